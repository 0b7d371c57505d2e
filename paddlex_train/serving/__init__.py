"""PaddleX-compatible HTTP serving of the segmentation pipelines (`python main.py --serve --pipeline ...`).

Modules: settings (Serving: section and limits), schemas (PaddleX 3.7.2 wire models), envelope (logId/errorCode/
errorMsg), images and url_fetch (input checks), wire (results -> JSON), gate (admission, inference thread,
deadlines), body_limit (request size), app (FastAPI), loader (model via create_pipeline), server and supervisor
(one or N processes), cli (the command line), smoke (one end-to-end client call).
"""
