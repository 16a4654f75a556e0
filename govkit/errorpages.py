"""Error pages in Chinese (HTML, or JSON under /api/): never a bare English or 500 page."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from govkit.errors import GovkitError

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求无效或页面已过期（例如表单令牌失效），请返回上一页刷新后重试。",
    403: "您没有执行此操作的权限。如需开通，请联系本级系统管理员。",
    404: "页面或记录不存在，或不在您的管辖范围内。",
    405: "不支持这种访问方式，请从页面上的按钮或链接进入。",
    409: "记录已被他人修改，请刷新后重试。",
    413: "上传的文件太大，请压缩或分开上传。",
    429: "操作过于频繁，请稍后再试。",
    500: "系统内部错误，已记录日志。请稍后重试，或联系系统管理员。",
}


def _respond(status: int, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(message=message, status=status), status
    return render_template("govkit/error.html", status=status, message=message), status


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return _respond(exc.code, MESSAGES.get(exc.code, exc.description or "请求出错。"))

    @app.errorhandler(GovkitError)
    def domain_error(exc: GovkitError):
        return _respond(exc.status_code, exc.message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s", request.path)
        return _respond(500, MESSAGES[500])
