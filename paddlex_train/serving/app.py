"""The FastAPI app of one worker: the pipeline's PaddleX endpoint, /health, /ready, and the error envelope.

`create_app(service)` takes an already loaded model (the model is loaded before the port opens). Request flow:
admit (or 503) -> check options -> image bytes (base64 or guarded URL download) -> header-checked decode ->
inference on the model thread -> JSON encoding; all blocking work off the event loop.
"""
import asyncio
import logging
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import images, wire
from .body_limit import BodyLimit
from .envelope import (LOGGER, ApiError, error_response, json_response, log_id_from_body, new_log_id,
                       success_bytes, validation_message)
from .gate import Gate
from .schemas import (INSTANCE_ENDPOINT, SEMANTIC_ENDPOINT, ErrorResponse, InstanceRequest, InstanceResponse,
                      SemanticRequest, SemanticResponse)
from .settings import ServingSettings
from .tiling_fields import tiling_request_options
from .url_fetch import fetch_url

ENDPOINTS = {"semantic_segmentation": SEMANTIC_ENDPOINT, "instance_segmentation": INSTANCE_ENDPOINT}
_ERRORS = {code: {"model": ErrorResponse} for code in (408, 413, 422, 500, 503)}


@dataclass
class Service:
    """What a worker serves.

    Attributes:
        predictor: an object whose `.predict(bgr_array, **options)` yields result objects (a Pipeline from
            create_pipeline, or a model from create_model).
        task: "semantic_segmentation" or "instance_segmentation".
        settings: ServingSettings.
        info: what /ready reports (pipeline, modelName, classes, device, ...).
    """

    predictor: object
    task: str
    settings: ServingSettings = field(default_factory=ServingSettings)
    info: dict = field(default_factory=dict)


def _check_target_size(value, max_pixels):
    """PaddleX's targetSize: None, -1, a positive int (square) or [w, h]; the inference size is capped too."""
    if value is None:
        return None
    pair = list(value) if isinstance(value, (list, tuple)) else [value, value]
    if pair == [-1, -1]:
        return -1 if not isinstance(value, (list, tuple)) else [-1, -1]
    if any(v <= 0 for v in pair):
        raise ApiError(422, "body.targetSize", "value_error", f"targetSize={value!r} is not valid: use -1 (original "
                       "resolution), a positive int (fit in a square) or [width, height] with both > 0")
    if pair[0] * pair[1] > max_pixels:
        raise ApiError(422, "body.targetSize", "too_large", f"targetSize={value!r} asks for {pair[0] * pair[1]} "
                       f"pixels, over the {max_pixels} pixel limit (Serving.max_image_pixels)")
    return list(value) if isinstance(value, (list, tuple)) else int(value)


def _check_threshold(value):
    if value is None:
        return None
    if not 0.0 <= value <= 1.0:  # also false for NaN
        raise ApiError(422, "body.threshold", "value_error", f"threshold={value!r} must be between 0 and 1")
    return float(value)


def _image_bytes(text, settings):
    """Blocking, for the CPU pool: the bytes of a base64 `image` (None when it is an http(s) URL)."""
    scheme = images.url_scheme(text)
    if scheme in ("http", "https"):
        return None
    if scheme is not None:
        raise images.bad_image("url_scheme", f"image URL scheme {scheme!r} is not allowed; use http or https, or "
                                             "send the image as base64")
    return images.decode_base64(text, settings.max_image_bytes)


def _download(text, settings):
    """Blocking, for the I/O pool: the bytes behind an http(s) `image` URL (guarded, see url_fetch)."""
    return fetch_url(text, settings.url_timeout, settings.max_image_bytes, settings.allow_private_urls,
                     settings.max_redirects)


def create_app(service):
    """The FastAPI app (wrapped in the body-size limit) serving `service`."""
    settings, gate = service.settings, Gate(service.settings.max_queue)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        gate.shutdown()  # after uvicorn has let the in-flight requests finish

    app = FastAPI(title="paddlex_train serving", version="1", lifespan=lifespan,
                  description="PaddleX-compatible segmentation serving (see the README, section Serving).")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        log_id = log_id_from_body(exc.body if isinstance(exc.body, (bytes, str)) else None) or new_log_id()
        if isinstance(exc.body, dict) and isinstance(exc.body.get("logId"), str):
            log_id = exc.body["logId"]
        return error_response(log_id, 422, validation_message(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request, exc):
        return error_response(new_log_id(), exc.status_code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request, exc):
        log_id = new_log_id()
        LOGGER.error("logId %s: unhandled error", log_id, exc_info=exc)
        return error_response(log_id, 500, "Internal server error")

    @app.get("/health", response_model=ErrorResponse, operation_id="checkHealth")
    async def health():
        """Liveness, as PaddleX: errorCode 0, errorMsg "Healthy"."""
        return json_response({"logId": new_log_id(), "errorCode": 0, "errorMsg": "Healthy"})

    @app.get("/ready", operation_id="checkReady")
    async def ready():
        """Readiness: the model is loaded (it always is once the port is open), with its name, classes, device."""
        result = {**service.info, "worker": os.getpid(), "inFlight": gate.inside, "capacity": gate.capacity,
                  "served": gate.served, "rejected": gate.rejected, "limits": settings.public()}
        return json_response({"logId": new_log_id(), "result": result, "errorCode": 0, "errorMsg": "Ready"})

    async def run(log_id, image_text, options, encode):
        deadline = asyncio.get_running_loop().time() + settings.request_timeout
        gate.admit()
        try:
            data = await gate.cpu(_image_bytes, image_text, settings)
            if data is None:
                data = await gate.io(_download, image_text, settings)
            image = await gate.cpu(images.decode_image, data, settings.max_image_pixels)
            result = await gate.infer(deadline, lambda: next(iter(service.predictor.predict(image, **options))))
            body = await gate.cpu(encode, result)
            return json_response(success_bytes(log_id, body))
        finally:
            gate.leave()

    async def answer(raw, image_text, check_options, encode):
        log_id = new_log_id()
        try:
            return await run(log_id, image_text, check_options(), encode)
        except ApiError as error:
            log_id = log_id_from_body(await raw.body()) or log_id  # PaddleX echoes the client's logId on errors
            if error.status >= 500:
                LOGGER.warning("logId %s: %s", log_id, error.message)
            return error_response(log_id, error.status, error.error_msg(), error.headers)
        except Exception:  # noqa: BLE001 (a real server fault: logged with its logId, answered 500)
            LOGGER.exception("logId %s: inference failed", log_id)
            return error_response(log_id, 500, "Internal server error")

    if service.task == "semantic_segmentation":
        @app.post(SEMANTIC_ENDPOINT, response_model=SemanticResponse, operation_id="infer", responses=_ERRORS,
                  response_model_exclude_none=True)
        async def semantic(request: SemanticRequest, raw: Request):
            """Label map (row-major class ids at the original size) of one image."""
            visualize = settings.visualize if request.visualize is None else request.visualize

            def options():
                size = _check_target_size(request.targetSize, settings.max_image_pixels)
                extra = tiling_request_options(request.slideWindow, request.tta)  # issue 19 extension
                return {**extra, **({} if size is None else {"target_size": size})}

            return await answer(raw, request.image, options,
                                lambda res: wire.semantic_result(res, visualize, settings.jpeg_quality))
    elif service.task == "instance_segmentation":
        names = tuple(service.info.get("classes") or ())

        @app.post(INSTANCE_ENDPOINT, response_model=InstanceResponse, operation_id="infer", responses=_ERRORS,
                  response_model_exclude_none=True)
        async def instance(request: InstanceRequest, raw: Request):
            """Instances (box, class, score, box-cropped RLE mask) of one image."""
            visualize = settings.visualize if request.visualize is None else request.visualize

            def options():
                threshold = _check_threshold(request.threshold)
                return {} if threshold is None else {"threshold": threshold}

            return await answer(raw, request.image, options,
                                lambda res: wire.instance_result(res, visualize, names, settings.jpeg_quality))
    else:
        raise ValueError(f"no endpoint for task {service.task!r}")

    return BodyLimit(app, settings.max_body_bytes, settings.request_timeout)


logging.getLogger("paddlex_train.serving").addHandler(logging.NullHandler())
