"""Cassettes for ``--backend aws``: the real API recorded once, replayed offline with the same verdicts.

vcrpy is the engine (record modes, persistence, patching of botocore's urllib3); this package adds
what vcrpy does not know about AWS, one module each:

- :mod:`.matching`: a recorded request is found by operation and canonical JSON body.
- :mod:`.scrubbing`: credentials never reach a cassette; account ids can be masked.
- :mod:`.provenance`: settings of a run, the cassette files (validated up front: a corrupt or
  old-format file is one line and exit 2), what each was recorded against, the report section.
- :mod:`.hooks`: the pytest side (one cassette per test and per higher-scoped fixture, names
  scoped per test, the ``ci`` profile forced, an unrecorded request is a skip).
- :mod:`.replay`: the values a test drew from Hypothesis are stored in its cassette, and a
  replay runs exactly those, so the requests sent are the recorded ones whatever Hypothesis,
  botocore's model or the strategies now draw.
"""

from __future__ import annotations

from . import replay
from .hooks import (CassetteManager, CassettePlugin, configure, fixture_cassette_name, instrument, manager,
                    report_section, without_local_constants)
from .matching import MATCH_ON, TRANSFORMERS, Transformer, canonical_body, match_amz_target, match_aws_json_body
from .provenance import (FIXTURE_DIR, METADATA_KEY, RECORD_AWS_COMMAND, RECORD_FIXTURES_COMMAND, RESOURCE_KEYS,
                         SUFFIX, RecordingConfig, cassette_files, cassette_name, coverage, endpoint_kind,
                         provenance, recording_config, require_cassettes, resource_transform, scope_key,
                         summarise, validate_dir, validate_file)
from .scrubbing import (DROP_REQUEST_HEADERS, DROP_RESPONSE_HEADERS, MASKED_ACCOUNT, account_of, mask_accounts,
                        scrub_request, scrub_response)

__all__ = [name for name in dir() if not name.startswith("_") and name != "annotations"]
