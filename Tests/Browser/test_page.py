"""The admin page in real Chromium against a running stack (see conftest.py for the set-up):
generate text→video and image→video until the <video> has loaded its metadata, validation,
a moderation failure, a reload mid-job, the library, and screenshots for the README."""
import json
import re
import uuid

import pytest
expect = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed").expect

# Fixtures live in page_support.py (see there why not in a conftest.py); importing them registers them.
from page_support import api, artifacts, base_url, browser, page_factory, png_bytes, sim_url, stack_under_test  # noqa: F401

# Fast pace for the simulated upstream; a real upstream ignores nothing, so these tests need the simulator.
FAST = "[sim:steps=3] [sim:delay=0.2]"
SLOW = "[sim:steps=10] [sim:delay=0.8]"
JOB_TIMEOUT = 90_000


@pytest.fixture(scope="module", autouse=True)
def simulated_only(api):
    status, health = api.get("api/health")
    if not (isinstance(health, dict) and (health.get("upstream") or {}).get("simulated") is True):
        pytest.skip("the stack talks to a real upstream; these tests create jobs and need the simulator")


def token():
    return uuid.uuid4().hex[:10]


def choose_model(page, model_id):
    page.click(f'#model-list label[data-model="{model_id}"]')
    assert page.is_checked(f"#model-{model_id}")


def submit(page, prompt):
    """Types the prompt, clicks generate, returns the generate answer and the request headers."""
    page.fill("#prompt", prompt)
    with page.expect_response(lambda r: r.url.endswith("/api/generate")) as info:
        page.click("#submit-button")
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


# ------------------------------------------------------------------------------------------

def test_models_params_price_and_simulated_banner(page_factory, api):
    page = page_factory()
    models = api.models()
    labels = page.locator("#model-list .model-label").all_inner_texts()
    assert labels == [m["label"] for m in models.values()]
    for m in models.values():
        option = page.locator(f'#model-list label[data-model="{m["id"]}"]')
        assert option.locator("svg").count() == 1, "camera icon"
        assert option.locator(".tag").all_inner_texts() == m["tags"]
        assert option.locator(".model-desc").inner_text() == m["description"]
        assert page.locator(f"#model-{m['id']}").is_disabled() == bool(m.get("retired"))
    # §5.2: duration and resolution read-only from the model, with the plan's note.
    choose_model(page, "sora-v2-landscape-15s")
    params = page.locator("#params-list").inner_text()
    assert "15 秒" in params and "1280×704" in params
    assert page.locator("#params-note").inner_text() == \
        "ℹ️ Sora 2 模型时长由模型名控制（10s 或 15s），分辨率固定（竖屏 704×1280，横屏 1280×704）"
    assert page.locator("#params input, #params select").count() == 0, "nothing to choose"
    assert "$0.15" in page.locator("#cost-before").inner_text()
    assert re.fullmatch(r"\$\d+\.\d{2,3}", page.locator("#today-spend").inner_text())
    banner = page.locator("#health-banner")
    assert banner.is_visible()
    assert "模拟上游" in banner.inner_text()


def test_validation_messages(page_factory):
    page = page_factory()
    generated = []
    page.on("request", lambda r: generated.append(r) if r.url.endswith("/api/generate") else None)

    page.click("#submit-button")
    assert page.locator("#prompt-error").inner_text() == "请输入提示词"
    assert page.locator("#form-errors").is_visible()
    assert page.evaluate("document.activeElement.id") == "prompt"

    page.check('input[name="mode"][value="image_to_video"]')
    page.fill("#prompt", "a lighthouse in a storm")
    page.click("#submit-button")
    assert page.locator("#image-error").inner_text() == "请先上传首帧图片"
    assert page.locator("#prompt-error").is_hidden()

    page.fill("#image-url", "http://example.com/a.png")
    assert "https://" in page.locator("#imageURL-error").inner_text()
    page.fill("#image-url", "")

    page.check('input[name="mode"][value="text_to_video"]')
    page.fill("#prompt", "猫" * 4001)
    assert page.locator("#prompt-counter").inner_text() == "4001 / 4000"
    assert "over" in page.locator("#prompt-counter").get_attribute("class")
    page.click("#submit-button")
    assert "4000" in page.locator("#prompt-error").inner_text()
    assert page.locator("#prompt").get_attribute("aria-invalid") == "true"
    page.fill("#prompt", "猫" * 4000)
    assert page.locator("#prompt-error").is_hidden()
    assert generated == [], "invalid input never reaches the API"


@pytest.mark.parametrize("model_id", ["sora-v2-portrait", "sora-v2-landscape", "sora-v2-portrait-15s", "sora-v2-landscape-15s"])
def test_text_to_video_until_the_video_has_loaded(page_factory, api, model_id):
    model = api.models()[model_id]
    page = page_factory()
    choose_model(page, model_id)
    job, headers = submit(page, f"a paper boat drifting down a rainy street {token()} {FAST}")
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["idempotency-key"]), "fresh UUID Idempotency-Key"
    assert job["model"] == model_id and job["duration"] == model["duration"]
    body = card(page, job["task_id"])
    assert body.locator("progress").count() == 1
    assert body.locator(".job-status").get_attribute("aria-live") == "polite"
    wait_for_status(page, job["task_id"], "succeeded")
    w, h = video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video')
    assert (w, h) == (model["width"], model["height"])
    video = body.locator("video")
    assert video.get_attribute("controls") is not None and video.get_attribute("playsinline") is not None
    assert video.get_attribute("autoplay") is None
    assert body.locator(".tag-sora2").inner_text().strip() == "Sora 2"
    assert model["label"] in body.inner_text()
    assert f"{model['duration']} 秒" in body.inner_text()
    assert body.get_by_role("link", name="下载").get_attribute("href").endswith(".mp4")
    assert body.get_by_role("button", name="复制链接").is_visible()


def test_double_click_creates_one_job(page_factory):
    page = page_factory()
    keys = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key")) if r.url.endswith("/api/generate") else None)
    page.fill("#prompt", f"two quick clicks {token()} {FAST}")
    page.dblclick("#submit-button")
    page.wait_for_selector("#job-list .job-card")
    page.wait_for_timeout(500)
    assert page.locator("#job-list .job-card").count() == 1
    assert len(set(keys)) == len(keys) and len(keys) >= 1
    assert page.locator("#submit-button").is_enabled()


def test_image_to_video_with_uploaded_png(page_factory, api, sim_url, tmp_path):
    model = api.models()["sora-v2-portrait"]
    png = tmp_path / "first-frame.png"
    png.write_bytes(png_bytes(96, 160))
    page = page_factory()
    choose_model(page, "sora-v2-portrait")
    page.check('input[name="mode"][value="image_to_video"]')
    page.set_input_files("#image-file", str(png))
    page.wait_for_selector("#image-preview:not([hidden])")
    assert page.locator("#image-preview-img").evaluate("i => i.src.startsWith('data:image/png;base64,')")
    assert page.locator("#image-url").is_disabled(), "upload and URL are exclusive"
    tag = token()
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        job, _ = submit(page, f"the scene comes alive, leaves start to move {tag} {FAST}")
    sent = json.loads(req.value.post_data)
    assert sent["first_frame_base64"].startswith("data:image/png;base64,")
    assert "resolution" not in sent and "aspect_ratio" not in sent and "image_url" not in sent
    wait_for_status(page, job["task_id"], "succeeded")
    assert video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video') == (model["width"], model["height"])
    if sim_url:
        mine = [r for r in sim_requests(sim_url) if tag in (r.get("prompt") or "")]
        assert mine and mine[-1]["has_image"] and mine[-1]["image_kind"] == "data_uri" and mine[-1]["image_mime"] == "image/png"


def test_image_checks_drop_and_paste(page_factory, tmp_path):
    page = page_factory()
    page.check('input[name="mode"][value="image_to_video"]')
    gif = tmp_path / "x.gif"
    gif.write_bytes(b"GIF89a" + b"\0" * 32)
    page.set_input_files("#image-file", str(gif))
    expect(page.locator("#image-error")).to_have_text("只支持 PNG、JPEG 或 WebP 图片")
    big = tmp_path / "big.png"
    big.write_bytes(png_bytes(8, 8)[:33] + b"\0" * 10_000_001)
    page.set_input_files("#image-file", str(big))
    expect(page.locator("#image-error")).to_contain_text("10 MB")
    assert page.locator("#image-preview").is_hidden()

    data = list(png_bytes(40, 40))
    # Drag and drop onto the drop zone.
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        const zone = document.getElementById('dropzone');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""", data)
    page.wait_for_selector("#image-preview:not([hidden])")
    assert "dropped.png" in page.locator("#image-preview-name").inner_text()
    assert page.locator("#image-error").is_hidden()
    page.click("#image-remove")
    assert page.locator("#image-preview").is_hidden()

    # Pasting an image in text mode switches to image mode and takes it (a file without a type is sniffed).
    page.check('input[name="mode"][value="text_to_video"]')
    page.evaluate("""bytes => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: '' }));
        document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }""", data)
    page.wait_for_selector("#image-preview:not([hidden])")
    assert page.is_checked('input[name="mode"][value="image_to_video"]')
    assert "pasted.png" in page.locator("#image-preview-name").inner_text()


def test_moderation_failure_is_explained(page_factory):
    page = page_factory()
    job, _ = submit(page, f"a famous actor in a fight {token()} [sim:moderation] {FAST}")
    wait_for_status(page, job["task_id"], "failed")
    failure = card(page, job["task_id"]).locator(".failure")
    assert failure.get_attribute("role") == "alert"
    text = failure.inner_text()
    assert "内容未通过审核" in text
    assert "请修改提示词" in text, "how to rephrase"
    assert failure.locator(".failure-message").inner_text().strip() != "", "the server's friendly message"
    assert card(page, job["task_id"]).locator("video").count() == 0
    assert card(page, job["task_id"]).locator(".retry-transfer").count() == 0


def test_transfer_failure_offers_retry(page_factory):
    page = page_factory()
    job, _ = submit(page, f"the video host loses the file {token()} [sim:video404] {FAST}")
    tid = job["task_id"]
    wait_for_status(page, tid, "failed")
    box = card(page, tid).locator(".failure-transfer")
    assert "重试转存" in box.locator(".failure-hint").inner_text(), "not generated or charged again"
    retry = box.get_by_role("button", name="重试转存")
    with page.expect_response(lambda r: r.url.endswith(f"/api/jobs/{tid}/retry-transfer")) as answer:
        retry.click()
    assert answer.value.status < 300
    # Polling resumes: the job moves again (the simulator's link still answers 404, so it may fail again).
    page.wait_for_function(
        "id => ['transferring', 'succeeded'].includes(document.querySelector(`.job-card[data-task-id=\"${id}\"]`).dataset.status)",
        arg=tid, timeout=30_000)
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{tid}"].done', timeout=JOB_TIMEOUT)


def test_reload_during_progress_resumes_polling(page_factory):
    page = page_factory()
    job, _ = submit(page, f"a slow sunrise over the sea {token()} {SLOW}")
    tid = job["task_id"]
    page.wait_for_function(
        "id => { const c = document.querySelector(`.job-card[data-task-id=\"${id}\"]`);"
        " return c && c.dataset.status === 'generating' && c.querySelector('progress').value > 0; }",
        arg=tid, timeout=JOB_TIMEOUT)
    before = card(page, tid).locator("progress").evaluate("p => p.value")
    saved = page.evaluate("() => localStorage.getItem('sora-fcgi.jobs.v1')")
    assert tid in saved
    page.reload()
    page.wait_for_selector(f'#job-list .job-card[data-task-id="{tid}"]')
    # Resumed from the status file, not restarted from zero.
    page.wait_for_function(
        "([id, p]) => { const c = document.querySelector(`.job-card[data-task-id=\"${id}\"]`); return c.querySelector('progress').value >= p; }",
        arg=[tid, before], timeout=15_000)
    wait_for_status(page, tid, "succeeded")
    video_size(page, f'.job-card[data-task-id="{tid}"] video')
    assert tid not in (page.evaluate("() => localStorage.getItem('sora-fcgi.jobs.v1')") or "")


def test_library_lists_filters_opens_and_deletes(page_factory, api):
    page = page_factory()
    tag = token()
    first, _ = submit(page, f"library first {tag} {FAST}")
    second, _ = submit(page, f"library second {tag} {FAST}")
    assert page.locator("#job-list .job-card").count() >= 2, "several jobs at once"
    wait_for_status(page, first["task_id"], "succeeded")
    wait_for_status(page, second["task_id"], "succeeded")

    page.fill("#library-q", tag)
    items = page.locator("#library-list .lib-item")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 2 "
                           "&& [...document.querySelectorAll('#library-list .lib-item')].every(i => i.dataset.status === 'succeeded')",
                           timeout=15_000)
    ids = [items.nth(i).get_attribute("data-task-id") for i in range(2)]
    assert ids == [second["task_id"], first["task_id"]], "newest first"
    assert items.first.locator("video").get_attribute("preload") == "metadata"

    page.select_option("#library-status", "failed")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 0")
    page.select_option("#library-status", "succeeded")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 2")
    page.select_option("#library-model", "sora-v2-landscape")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 0")
    page.select_option("#library-model", "")
    page.wait_for_function("() => document.querySelectorAll('#library-list .lib-item').length === 2")

    # Open in a dialog, close with Escape.
    items.first.locator(".thumb").click()
    dialog = page.locator("#video-dialog")
    assert dialog.evaluate("d => d.open")
    video_size(page, "#video-dialog video")
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")

    # Delete: cancel first, then confirm.
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
    """Answers the stack does not give today, injected with routes: a retired catalog entry, a
    configuration problem, and nginx's own HTML 413 page from a host with a low upload limit."""
    def setup(ctx):
        def models(route):
            answer = route.fetch().json()
            answer["models"].append({**answer["models"][0], "id": "sora-v1-old", "label": "Sora 1 旧版",
                                     "retired": True, "notice": "请改用 Sora 2"})
            route.fulfill(json=answer)

        def health(route):
            answer = route.fetch().json()
            answer["problems"] = [{"setting": "SORA_STORAGE", "message": "unknown backend \"ftp\""}]
            route.fulfill(status=503, json=answer)

        def generate(route):
            route.fulfill(status=413, content_type="text/html",
                          body="<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>")
        ctx.route("**/api/models", models)
        ctx.route("**/api/health", health)
        ctx.route("**/api/generate", generate)

    page = page_factory(setup=setup)
    retired = page.locator('#model-list label[data-model="sora-v1-old"]')
    assert page.is_disabled("#model-sora-v1-old")
    assert "已下线 · 请改用 Sora 2" in retired.inner_text()
    assert not page.is_checked("#model-sora-v1-old")
    banner = page.locator("#health-banner")
    expect(banner).to_contain_text("SORA_STORAGE: unknown backend")
    assert "模拟上游" in banner.inner_text()
    page.fill("#prompt", "anything")
    page.click("#submit-button")
    expect(page.locator("#form-errors")).to_contain_text("HTTP 413")
    assert page.locator("#submit-button").is_enabled()
    assert page.locator("#job-list .job-card").count() == 0


def test_english_locale_is_a_data_change(page_factory):
    page = page_factory()
    page.select_option("#locale-select", "en")
    # The English table is a separate module loaded on demand: wait for it, do not race it.
    page.wait_for_function("() => document.querySelector('#submit-label').textContent === 'Generate'", timeout=10_000)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Portrait" in page.locator("#model-list").inner_text()
    page.reload()
    page.wait_for_selector("#model-list .model-option")
    page.wait_for_function("() => document.querySelector('#submit-label').textContent === 'Generate'", timeout=10_000)
    page.select_option("#locale-select", "zh")
    assert page.locator("#submit-label").inner_text() == "生成视频"


def test_keyboard_only_generation(page_factory):
    page = page_factory()
    page.focus("#model-sora-v2-portrait")
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#model-sora-v2-landscape")
    page.focus("#prompt")
    page.keyboard.type(f"keyboard only {token()} {FAST}")
    with page.expect_response(lambda r: r.url.endswith("/api/generate")) as info:
        page.keyboard.press("Tab")   # the submit button follows the prompt
        assert page.evaluate("document.activeElement.id") == "submit-button"
        page.keyboard.press("Enter")
    assert info.value.json()["model"] == "sora-v2-landscape"


def test_zz_screenshots(page_factory, artifacts):
    """Desktop 1280×800 and mobile 375×812 with a finished result on screen (run last: the library is full)."""
    for name, (w, h) in {"desktop": (1280, 800), "mobile": (375, 812)}.items():
        page = page_factory(width=w, height=h)
        choose_model(page, "sora-v2-landscape")
        job, _ = submit(page, f"a red fox running through fresh snow at dawn, cinematic {FAST}")
        wait_for_status(page, job["task_id"], "succeeded")
        video_size(page, f'.job-card[data-task-id="{job["task_id"]}"] video')
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(800)
        page.screenshot(path=str(artifacts / f"page-{name}.png"))
        page.screenshot(path=str(artifacts / f"page-{name}-full.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= w, f"no horizontal scrolling at {w}px"
