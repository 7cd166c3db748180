from tests.clients import page_text


def test_it_shows_the_landing_page_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Know where you left off" in page_text(response)


def test_a_signed_in_musician_sees_their_name(alice_web):
    response = alice_web.get("/")
    assert "Hello, Alice" in page_text(response)


def test_the_api_answers_me_with_a_token(alice_api, alice):
    response = alice_api.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["email"] == alice.email
