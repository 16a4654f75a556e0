"""Errors read in Chinese and never show a stack trace."""
import pytest


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "页面或记录不存在" in html and "Not Found" not in html


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-api/")
    assert response.status_code == 404
    assert response.is_json and "不存在" in response.get_json()["message"]


@pytest.mark.backends("sqlite")
def test_unexpected_exception_is_a_chinese_500_without_traceback(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "系统内部错误" in html and "secret internals" not in html and "Traceback" not in html


@pytest.mark.backends("sqlite")
def test_domain_error_shows_its_message_and_status(make_app):
    from govkit.errors import InvalidTransition

    app = make_app()

    @app.get("/_domain")
    def domain():
        raise InvalidTransition("办件当前状态为“已办结”，不能退回。")

    response = app.test_client().get("/_domain")
    assert response.status_code == 409
    assert "不能退回" in response.get_data(as_text=True)
