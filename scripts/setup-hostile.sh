#!/usr/bin/env bash
# The hostile-client suite's venv (schemathesis, pytest): kept as a name for `scripts/setup.sh --hostile`.
exec bash "$(dirname "$0")/setup.sh" --hostile
