"""The JSON body parser of the API: bounded in size and in nesting depth.

A module of its own (not ``core.api``) because DRF imports its
``DEFAULT_PARSER_CLASSES`` while ``rest_framework.views`` loads, before the API module could be.

- A body over ``MAX_BODY_BYTES`` bytes answers 400 without being read further.
- A body nested more than ``MAX_DEPTH`` arrays or objects deep answers 400 "nested too deeply":
  the depth is counted by a linear scan of the text outside strings, before ``json.loads``, so
  no decoder recursion (``RecursionError``, a 500) is ever reached.
- As DRF's own parser: ``NaN`` and ``Infinity`` are refused, and every decoding error is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32

# A JSON string: quotes around anything but a quote or backslash, or a backslash escape.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text`` (0 for a scalar), in linear time.

    Brackets inside strings do not count. For text that is not JSON the answer is only an
    estimate, which is enough: such text is refused by the decoder anyway.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _declared_length(meta: Mapping[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit (both answer 400)."""

    max_bytes = MAX_BODY_BYTES
    max_depth = MAX_DEPTH

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        context = parser_context or {}
        request = context.get("request")
        too_big = ParseError(f"The request body is larger than {self.max_bytes} bytes.")
        if request is not None and _declared_length(request.META) > self.max_bytes:
            raise too_big
        raw = stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise too_big
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding) if isinstance(raw, bytes) else str(raw)
        except (LookupError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
        if json_depth(text) > self.max_depth:
            raise ParseError(
                f"JSON parse error - nested too deeply: at most {self.max_depth} levels of "
                "arrays and objects."
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
