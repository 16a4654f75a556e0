def test_login_page_is_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)
