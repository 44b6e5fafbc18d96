"""The admin page in real Chromium against a running stack (the real core, nginx, simulated upstream):
generate until the <video> has loaded, frames, validation, failures, reload mid-job, the library,
reuse (Regenerate), tabs of one browser kept in step, keyboard use, the first screen, screenshots.
States the stack cannot produce on demand (and the contract's new routes, until the core speaks
them) are in test_contract.py."""
import json
import re
import uuid

import pytest
expect = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed").expect

# Fixtures live in page_support.py (see there why not in a conftest.py); importing them registers them.
from page_support import PASSWORD, api, artifacts, base_url, browser, page_factory, png_bytes, sim_url, stack_under_test  # noqa: F401

FAST = "[sim:steps=3] [sim:delay=0.2]"
SLOW = "[sim:steps=10] [sim:delay=0.8]"
JOB_TIMEOUT = 90_000
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module", autouse=True)
def simulated_only(api):
    status, health = api.get("api/health")
    if not (isinstance(health, dict) and (health.get("upstream") or {}).get("simulated") is True):
        pytest.skip("the stack talks to a real upstream; these tests create jobs and need the simulator")


def token():
    return uuid.uuid4().hex[:10]


def choose_model(page, model_id):
    page.select_option("#model", model_id)
    assert page.input_value("#model") == model_id


def submit(page, prompt, click=True):
    """Types the prompt, submits, returns the generate answer and the request headers."""
    page.fill("#prompt", prompt)
    with page.expect_response(lambda r: r.url.endswith("/api/generate")) as info:
        if click:
            page.click("#submit-button")
        else:
            page.press("#prompt", "Control+Enter")
    response = info.value
    assert response.status in (200, 202), response.text()
    return response.json(), response.request.headers


def card(page, task_id):
    return page.locator(f'#job-list .job-card[data-task-id="{task_id}"]')


def wait_for_status(page, task_id, status, timeout=JOB_TIMEOUT):
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{task_id}"][data-status="{status}"]', timeout=timeout)


def video_size(page, selector):
    """Waits until the <video> has its metadata and returns (videoWidth, videoHeight)."""
    handle = page.wait_for_selector(selector, timeout=JOB_TIMEOUT)
    page.wait_for_function("v => v.readyState >= 1 && v.videoWidth > 0", arg=handle, timeout=30_000)
    return tuple(handle.evaluate("v => [v.videoWidth, v.videoHeight]"))


def sim_requests(sim_url):
    import urllib.request
    with urllib.request.urlopen(sim_url + "/_sim/stats", timeout=5) as r:
        return json.loads(r.read())["requests"]


def in_viewport(page, selector):
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] + box["width"] <= size["width"]


# ------------------------------------------------------------------------------------------

def test_models_price_and_simulated_banner(page_factory, api):
    page = page_factory()
    models = api.models()
    options = page.locator("#model option")
    assert [o.strip() for o in options.all_inner_texts()] == [
        m["label"] + (" · 已下线" if m.get("retired") else "") for m in models.values()]
    choose_model(page, "sora-v2-landscape-15s")
    assert page.locator("#params").is_hidden(), "fixed-size models have nothing to choose"
    assert "US$0.15" in page.locator("#cost-before").inner_text()
    assert "每条 US$0.15" in page.locator("#model-summary").inner_text()
    page.click("#model-details summary")
    assert "1280×704" in page.locator("#model-info").inner_text() or models["sora-v2-landscape-15s"]["description"] in page.locator("#model-info").inner_text()
    assert re.fullmatch(r"US\$\d+\.\d{2,4}", page.locator("#today-spend").inner_text())
    banner = page.locator("#health-banner")
    assert banner.is_visible() and "模拟上游" in banner.inner_text()


def test_validation_messages(page_factory, tmp_path):
    page = page_factory()
    generated = []
    page.on("request", lambda r: generated.append(r) if r.url.endswith("/api/generate") else None)
    page.click("#submit-button")
    assert page.locator("#prompt-error").inner_text() == "请输入提示词"
    assert page.locator("#form-errors").is_visible()
    assert page.evaluate("document.activeElement.id") == "prompt"
    page.fill("#prompt", "猫" * 4001)
    assert page.locator("#prompt-counter").inner_text() == "4001 / 4000"
    assert "4000" in page.locator("#prompt-error").inner_text()
    assert page.locator("#prompt").get_attribute("aria-invalid") == "true"
    page.fill("#prompt", "a lighthouse in a storm")
    page.click("#frames summary")
    page.wait_for_selector('.frame-slot[data-slot="first"]')   # frame upload loads on first use
    page.fill("#frame-first-url", "http://example.com/a.png")
    page.click("#submit-button")
    expect(page.locator("#frame-first-error")).to_contain_text("https://")
    assert page.locator("#prompt-error").is_hidden()
    assert generated == [], "invalid input never reaches the API"


@pytest.mark.parametrize("model_id", ["sora-v2-portrait", "sora-v2-landscape-15s"])
def test_text_to_video_until_the_video_has_loaded(page_factory, api, model_id):
    model = api.models()[model_id]
    page = page_factory()
    choose_model(page, model_id)
    job, headers = submit(page, f"a paper boat drifting down a rainy street {token()} {FAST}")
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["idempotency-key"]), "fresh UUID Idempotency-Key"
    assert job["model"] == model_id
    body = card(page, job["task_id"])
    assert body.locator(".job-status").get_attribute("aria-live") == "polite"
    wait_for_status(page, job["task_id"], "succeeded")
    assert video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video') == (model["width"], model["height"])
    video = body.locator("video")
    assert video.get_attribute("controls") is not None and video.get_attribute("autoplay") is None
    assert body.locator(".tag-sora2").inner_text().strip() == "Sora 2"
    assert f"{model['duration']} 秒" in body.inner_text()
    assert body.get_by_role("link", name=re.compile("^下载")).get_attribute("href").endswith(".mp4")
    for name in ("复制链接", "复制提示词", "编辑", "重新生成"):
        assert body.get_by_role("button", name=re.compile(f"^{name}")).is_visible()


def test_double_click_creates_one_job(page_factory):
    page = page_factory()
    keys = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key")) if r.url.endswith("/api/generate") else None)
    page.fill("#prompt", f"two quick clicks {token()} {FAST}")
    with page.expect_response(lambda r: r.url.endswith("/api/generate")) as info:
        page.dblclick("#submit-button")
    tid = info.value.json()["task_id"]
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{tid}"]')
    expect(page.locator("#submit-button")).to_be_enabled()
    assert len(keys) == 1, "the button is busy until the first answer"
    assert page.locator(f'#job-list .job-card[data-task-id="{tid}"]').count() == 1


def test_image_to_video_with_uploaded_png(page_factory, api, sim_url, tmp_path):
    model = api.models()["sora-v2-portrait"]
    png = tmp_path / "first-frame.png"
    png.write_bytes(png_bytes(96, 160))
    page = page_factory()
    choose_model(page, "sora-v2-portrait")
    page.click("#frames summary")
    page.wait_for_selector('.frame-slot[data-slot="first"]')   # frame upload loads on first use
    assert page.locator('.frame-slot[data-slot="last"]').is_hidden(), "this model takes no last frame"
    page.set_input_files("#frame-first-file", str(png))
    page.wait_for_selector('.frame-slot[data-slot="first"] .image-preview:not([hidden])')
    assert page.locator("#frame-first-url").is_disabled(), "a file and a URL are exclusive"
    tag = token()
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        job, _ = submit(page, f"the scene comes alive, leaves start to move {tag} {FAST}")
    sent = json.loads(req.value.post_data)
    assert sent["first_frame_base64"].startswith("data:image/png;base64,")
    assert "image_url" not in sent and "last_frame_base64" not in sent and "params" not in sent
    wait_for_status(page, job["task_id"], "succeeded")
    assert video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video') == (model["width"], model["height"])
    if sim_url:
        mine = [r for r in sim_requests(sim_url) if tag in (r.get("prompt") or "")]
        assert mine and mine[-1]["has_image"] and mine[-1]["image_mime"] == "image/png"


def test_image_checks_by_content_one_error_at_a_time_drop_and_paste(page_factory, tmp_path):
    page = page_factory()
    page.click("#frames summary")
    page.wait_for_selector('.frame-slot[data-slot="first"]')   # frame upload loads on first use
    error = page.locator("#frame-first-error")
    fake_png = tmp_path / "notes.png"
    fake_png.write_text("hello, I am a text file with a .png name")
    page.set_input_files("#frame-first-file", str(fake_png))
    expect(error).to_contain_text("PNG、JPEG 或 WebP")
    gif = tmp_path / "x.gif"
    gif.write_bytes(b"GIF89a" + b"\0" * 32)
    page.set_input_files("#frame-first-file", str(gif))
    expect(error).to_contain_text("PNG、JPEG 或 WebP")
    big = tmp_path / "big.png"
    big.write_bytes(png_bytes(8, 8)[:33] + b"\0" * 10_000_001)
    page.set_input_files("#frame-first-file", str(big))
    expect(error).to_contain_text("10 MB")
    visible = page.locator(".field-error:visible, .form-errors:visible")
    assert visible.count() == 1, "one image error at a time"
    assert page.locator('.frame-slot[data-slot="first"] .image-preview').is_hidden()

    data = list(png_bytes(40, 40))
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        const zone = document.querySelector('.frame-slot[data-slot="first"] .dropzone');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""", data)
    page.wait_for_selector('.frame-slot[data-slot="first"] .image-preview:not([hidden])')
    assert "dropped.png" in page.locator('.frame-slot[data-slot="first"] .image-name').inner_text()
    assert error.is_hidden()
    page.click("#frame-first-file + *, .frame-slot[data-slot='first'] .image-preview button")
    assert page.locator('.frame-slot[data-slot="first"] .image-preview').is_hidden()
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: '' }));
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }""", data)
    page.wait_for_selector('.frame-slot[data-slot="first"] .image-preview:not([hidden])')
    assert "pasted.png" in page.locator('.frame-slot[data-slot="first"] .image-name').inner_text()


def test_moderation_failure_explained_and_regenerated(page_factory):
    page = page_factory()
    choose_model(page, "sora-v2-landscape")
    prompt = f"a famous actor in a fight {token()} [sim:moderation] {FAST}"
    job, _ = submit(page, prompt)
    wait_for_status(page, job["task_id"], "failed")
    c = card(page, job["task_id"])
    failure = c.locator(".failure")
    assert "内容未通过审核" in failure.inner_text() and "请修改后重新生成" in failure.inner_text()
    assert c.locator("video").count() == 0
    assert c.locator(".retry").count() == 0, "moderation is never retried"
    # Regenerate: the same model and prompt as a new job, with a fresh Idempotency-Key, the price on the button.
    regen = c.locator(".regenerate")
    assert "US$0.15" in regen.inner_text()
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        regen.click()
    sent = json.loads(req.value.post_data)
    assert sent == {"model": "sora-v2-landscape", "prompt": prompt}
    answer = req.value.response().json()
    assert answer["task_id"] != job["task_id"]
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{answer["task_id"]}"]')
    assert page.evaluate("document.activeElement.dataset.taskId") == answer["task_id"], "focus on the new card"


def test_retry_only_when_the_server_offers_it(page_factory):
    page = page_factory()
    choose_model(page, "sora-v2-portrait")      # the chat flavour's markers
    dead, _ = submit(page, f"the video host loses the file {token()} [sim:video404] {FAST}")
    slow, _ = submit(page, f"a download too slow to finish {token()} [sim:slow=4] [sim:big=3] {FAST}")
    wait_for_status(page, dead["task_id"], "failed")
    expect(card(page, dead["task_id"]).locator(".failure-transfer")).to_have_count(1)   # its wording loads on first use
    assert card(page, dead["task_id"]).locator(".retry").count() == 0, "a dead link (404) is not retried"
    tid = slow["task_id"]
    wait_for_status(page, tid, "failed")
    box = card(page, tid).locator(".failure-transfer")
    assert "重试" in box.locator(".failure-hint").inner_text()
    with page.expect_response(lambda r: r.url.endswith(f"/api/jobs/{tid}/retry")) as answer:
        box.locator(".retry").click()
    assert answer.value.status == 202
    assert answer.value.json()["status"] == "transferring"
    wait_for_status(page, tid, "transferring", timeout=2_000)   # the answer's new state, at once
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{tid}"].done', timeout=JOB_TIMEOUT)


def test_reload_during_progress_resumes_polling(page_factory):
    page = page_factory()
    choose_model(page, "sora-v2-portrait")
    job, _ = submit(page, f"a slow sunrise over the sea {token()} {SLOW}")
    tid = job["task_id"]
    page.wait_for_function(
        "id => { const c = document.querySelector(`.job-card[data-task-id=\"${id}\"]`);"
        " return c && c.dataset.status === 'generating' && c.querySelector('progress').value > 0; }",
        arg=tid, timeout=JOB_TIMEOUT)
    before = card(page, tid).locator("progress").evaluate("p => p.value")
    assert tid in page.evaluate("() => localStorage.getItem('sora-fcgi.jobs.v1')")
    page.reload()
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{tid}"]')
    page.wait_for_function(
        "([id, p]) => { const c = document.querySelector(`.job-card[data-task-id=\"${id}\"]`); return c.querySelector('progress').value >= p; }",
        arg=[tid, before], timeout=15_000)
    wait_for_status(page, tid, "succeeded")
    assert tid not in (page.evaluate("() => localStorage.getItem('sora-fcgi.jobs.v1')") or "")


def test_library_lists_filters_opens_and_deletes(page_factory, api):
    page = page_factory()
    tag = token()
    first, _ = submit(page, f"library first {tag} {FAST}")
    second, _ = submit(page, f"library second {tag} {FAST}")
    wait_for_status(page, first["task_id"], "succeeded")
    wait_for_status(page, second["task_id"], "succeeded")
    page.fill("#library-q", tag)
    items = page.locator("#library-list .lib-item")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 2 "
                           "&& [...document.querySelectorAll('#library-list .lib-item')].every(i => i.dataset.status === 'succeeded')",
                           timeout=15_000)
    assert [items.nth(i).get_attribute("data-task-id") for i in range(2)] == [second["task_id"], first["task_id"]], "newest first"
    page.select_option("#library-status", "failed")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 0")
    page.select_option("#library-status", "succeeded")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 2")
    items.first.locator(".thumb").click()
    dialog = page.locator("#video-dialog")
    assert dialog.evaluate("d => d.open")
    video_size(page, "#video-dialog video")
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    target = page.locator(f'#library-list .lib-item[data-task-id="{second["task_id"]}"]')
    target.locator(".lib-delete").click()
    page.click('#confirm-dialog button[value="cancel"]')
    assert target.count() == 1
    target.locator(".lib-delete").click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.click("#confirm-ok")
    assert deleted.value.status in (200, 204)
    page.wait_for_function(f"() => !document.querySelector('#library-list .lib-item[data-task-id=\"{second['task_id']}\"]')")
    assert api.get(f"api/status/{second['task_id']}")[0] == 404
    assert page.locator(f'#job-list .job-card[data-task-id="{second["task_id"]}"]').count() == 0


def test_retired_model_problems_and_html_413(page_factory):
    """Answers the stack does not give today, injected with routes."""
    def setup(ctx):
        def models(route):
            answer = route.fetch().json()
            answer["models"].append({**answer["models"][0], "id": "sora-v1-old", "label": "Sora 1 旧版", "retired": True, "notice": "请改用 Sora 2"})
            route.fulfill(json=answer)

        def health(route):
            answer = route.fetch().json()
            answer["problems"] = [{"setting": "SORA_STORAGE", "message": "unknown backend \"ftp\""}]
            route.fulfill(status=503, json=answer)
        ctx.route("**/api/models", models)
        ctx.route("**/api/health", health)
        ctx.route("**/api/generate", lambda route: route.fulfill(status=413, content_type="text/html",
                                                                 body="<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>"))
    page = page_factory(setup=setup)
    assert page.locator('#model option[value="sora-v1-old"]').is_disabled()
    assert page.input_value("#model") != "sora-v1-old"
    expect(page.locator("#health-banner")).to_contain_text("SORA_STORAGE: unknown backend")
    page.fill("#prompt", "anything")
    page.click("#submit-button")
    expect(page.locator("#form-errors")).to_contain_text("请求过大")
    assert page.locator("#submit-button").is_enabled()


def test_english_locale_is_a_data_change(page_factory):
    page = page_factory()
    page.select_option("#locale-select", "en")
    page.wait_for_function("() => document.querySelector('#submit-label').textContent === 'Generate'", timeout=10_000)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#cost-before").inner_text().startswith("This video costs $")
    assert "per million tokens" in page.locator("#model-summary").inner_text()
    page.reload()
    page.wait_for_function("() => document.querySelector('#submit-label').textContent === 'Generate'", timeout=10_000)
    page.select_option("#locale-select", "zh")
    expect(page.locator("#submit-label")).to_have_text("生成视频")     # the table loads first


def test_english_failure_card_has_no_chinese(page_factory):
    page = page_factory(locale="en-US")
    page.select_option("#locale-select", "en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    choose_model(page, "sora-v2-landscape")
    job, _ = submit(page, f"a famous actor in a fight {token()} [sim:moderation] {FAST}")
    wait_for_status(page, job["task_id"], "failed")
    expect(card(page, job["task_id"]).locator(".failure")).to_be_visible()
    text = card(page, job["task_id"]).inner_text()
    assert "Refused by content moderation" in text
    assert not CJK.search(text), text


def test_keyboard_ctrl_enter_and_focus_on_the_new_card(page_factory):
    page = page_factory()
    page.focus("#model")
    page.keyboard.press("ArrowDown")
    chosen = page.input_value("#model")
    page.focus("#prompt")
    page.keyboard.type(f"keyboard only {token()} {FAST}")
    with page.expect_response(lambda r: r.url.endswith("/api/generate")) as info:
        page.keyboard.press("Control+Enter")
    job = info.value.json()
    assert job["model"] == chosen
    page.wait_for_function("id => document.activeElement?.dataset?.taskId === id", arg=job["task_id"])
    name = page.evaluate("document.activeElement.getAttribute('aria-labelledby')")
    assert page.locator(f"#{name}").inner_text().startswith("keyboard only")


def test_a_job_made_in_one_tab_shows_in_another(page_factory, browser, base_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    assert ctx.request.post(base_url + "api/login", data={"password": PASSWORD}).ok
    try:
        a = page_factory(context=ctx)
        b = page_factory(context=ctx)
        job, _ = submit(a, f"seen in the other tab {token()} {SLOW}")
        b.wait_for_selector(f'#job-list .job-card[data-task-id="{job["task_id"]}"]', timeout=5_000)
        b.wait_for_selector(f'#library-list .lib-item[data-task-id="{job["task_id"]}"]', timeout=5_000)
        a.locator(f'.job-card[data-task-id="{job["task_id"]}"]').wait_for()
        wait_for_status(b, job["task_id"], "succeeded")
    finally:
        ctx.close()


def test_first_screen_on_desktop_and_phone(page_factory):
    page = page_factory(width=1440, height=900)
    for sel in ("#model", "#prompt", "#submit-button"):
        assert in_viewport(page, sel), f"{sel} inside 1440×900 without scrolling"
    jobs = page.locator(".jobs").bounding_box()
    assert jobs["x"] > 700 and jobs["y"] < 200, "the right column is used"
    phone = page_factory(width=390, height=844)
    assert phone.locator("#model").evaluate("e => e.tagName") == "SELECT", "a compact model choice"
    for sel in ("#model", "#prompt", "#submit-button"):
        assert in_viewport(phone, sel), f"{sel} inside 390×844 without scrolling"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_sign_in_and_out(page_factory):
    page = page_factory(sign_in=False, ready="#signin:not([hidden])")
    assert page.locator("#main").is_hidden()
    assert page.evaluate("document.activeElement.id") == "password"
    page.fill("#password", "not the password")
    page.click("#signin-button")
    expect(page.locator("#signin-error")).to_have_text("密码不正确")
    page.fill("#password", PASSWORD)
    page.click("#signin-button")
    page.wait_for_selector("#model:enabled")
    expect(page.locator("#signout")).to_be_visible()
    page.click("#signout")
    page.wait_for_selector("#signin:not([hidden])")
    page.reload()
    page.wait_for_selector("#signin:not([hidden])")


def test_seedance_parameters_and_the_price_the_server_reserves(page_factory, api):
    page = page_factory()
    choose_model(page, "seedance-2-0")
    page.locator("#param-duration").fill("6")
    page.select_option("#param-resolution", "480p")
    shown = page.locator("#cost-before").inner_text()
    job, _ = submit(page, f"a kite over the dunes {token()} {FAST}")
    assert job["params"]["duration"] == 6 and job["params"]["resolution"] == "480p"
    assert shown == f"本次费用 US${job['price_usd']}", (shown, job["price_usd"])
    wait_for_status(page, job["task_id"], "succeeded")
    video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video')
    facts = card(page, job["task_id"]).locator(".job-facts").inner_text()
    assert "6 秒" in facts and "480p" in facts


def test_a_job_made_through_the_api_by_another_client_shows(page_factory, api):
    page = page_factory()
    status, job = api.post("api/generate", {"model": "seedance-2-0", "prompt": f"made by a script {token()} {SLOW}"})
    assert status == 202, job
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{job["task_id"]}"]', timeout=5_000)
    page.wait_for_selector(f'#library-list .lib-item[data-task-id="{job["task_id"]}"]', timeout=5_000)
    wait_for_status(page, job["task_id"], "succeeded")


def test_assets_are_compressed_and_cached_by_version(base_url, api):
    import gzip
    import re as _re
    import urllib.request
    from page_support import TOKEN

    def get(path, **headers):
        req = urllib.request.Request(base_url + path, headers={"Accept-Encoding": "gzip", **headers})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return r.headers, gzip.decompress(body) if r.headers["Content-Encoding"] == "gzip" else body
    headers, html = get("")
    assert headers["Cache-Control"] == "no-cache", "index.html is revalidated, so a new asset version is seen at once"
    version = _re.search(rb'src="v/([0-9a-f]+)/js/app\.js"', html).group(1).decode()
    for path, kind in ((f"v/{version}/js/app.js", "javascript"), (f"v/{version}/css/app.css", "css"), (f"v/{version}/js/strings-zh.js", "javascript")):
        headers, body = get(path)
        assert kind in headers["Content-Type"]
        assert headers["Content-Encoding"] == "gzip", path
        assert "max-age=31536000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"], path
    headers, _ = get("js/app.js")
    assert "immutable" not in (headers["Cache-Control"] or ""), "unversioned names are not cached for long"
    headers, _ = get("api/models", Authorization=f"Bearer {TOKEN}")
    assert headers["Content-Encoding"] == "gzip" and "json" in headers["Content-Type"]

