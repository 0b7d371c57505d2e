"""The PaddleX response envelope (`logId`, `errorCode`, `errorMsg`, `result`) and the error answers.

Success: `{"logId", "result", "errorCode": 0, "errorMsg": "Success"}`. Error: `{"logId", "errorCode": <HTTP
status>, "errorMsg"}`. Client mistakes are 4xx whose errorMsg is PaddleX's validation format, a JSON list of
`{"type", "loc", "msg"}` where `loc` names the field (`body.image`); a 500 is only a real server fault.
"""
import json
import logging
import uuid

from fastapi.responses import Response

LOGGER = logging.getLogger("paddlex_train.serving")


def new_log_id():
    """A fresh request id (uuid4 text, as PaddleX)."""
    return str(uuid.uuid4())


class ApiError(Exception):
    """A client-caused (or overload) failure answered as an envelope.

    Args:
        status: HTTP status (422 for bad input, 413 too large, 503 overloaded).
        field: dotted location of the culprit ("body.image"), or None for request-wide errors.
        kind: a short machine-readable error type ("base64_invalid").
        message: what is wrong and how to fix it, one line.
        headers: extra response headers (Retry-After for 503).
    """

    def __init__(self, status, field, kind, message, headers=None):
        super().__init__(message)
        self.status, self.field, self.kind, self.message = status, field, kind, message
        self.headers = headers or {}

    def error_msg(self):
        """The errorMsg text: PaddleX's JSON list format when a field is named, else the plain message."""
        if self.field is None:
            return self.message
        return json.dumps([{"type": self.kind, "loc": self.field, "msg": self.message}])


def json_response(body, status=200, headers=None):
    """A Response from a dict (or ready JSON bytes) without FastAPI re-encoding it."""
    content = body if isinstance(body, (bytes, bytearray)) else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(content=bytes(content), status_code=status, headers=headers, media_type="application/json")


def error_response(log_id, status, message, headers=None):
    """The error envelope; errorCode equals the HTTP status, as PaddleX does."""
    return json_response({"logId": log_id, "errorCode": int(status), "errorMsg": str(message)}, status, headers)


def success_bytes(log_id, result_json):
    """The success envelope around an already-encoded result (bytes of a JSON object), in PaddleX's key order."""
    return (b'{"logId":' + json.dumps(log_id).encode() + b',"result":' + result_json
            + b',"errorCode":0,"errorMsg":"Success"}')


def loc_to_dot(loc):
    """('body', 'targetSize', 0) -> 'body.targetSize[0]' (PaddleX's _loc_to_dot_sep)."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def validation_message(errors):
    """PaddleX's errorMsg for a RequestValidationError: a JSON list of {type, loc, msg}."""
    return json.dumps([{"type": e.get("type"), "loc": loc_to_dot(e.get("loc", ())), "msg": e.get("msg")}
                       for e in errors])


def log_id_from_body(body):
    """The client's `logId` when the request JSON carries a string one (PaddleX echoes it on errors)."""
    try:
        data = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None
    value = data.get("logId") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None
