"""The page against docs/contract.md through an in-memory fake of the API (contract_fake.py), for
states a real stack cannot produce on demand: every phase and failure code, can_retry / can_cancel,
live updates from the change feed, sign-in and budget answers. nginx still serves the page."""
import json
import re
import time

import pytest
expect = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed").expect

from page_support import api, artifacts, base_url, browser, page_factory, png_bytes, sim_url, stack_under_test  # noqa: F401
from contract_fake import ContractFake, now_iso

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.fixture
def fake():
    return ContractFake()


@pytest.fixture
def open_fake(page_factory, fake):
    def open_page(width=1280, height=800, locale="zh-CN", ready="#model:enabled", english=False):
        page = page_factory(width=width, height=height, setup=fake.install, locale=locale, ready=ready)
        if english:
            page.select_option("#locale-select", "en")
            page.wait_for_function("() => document.documentElement.lang === 'en'")
        return page
    return open_page


def card(page, job_id):
    return page.locator(f'#job-list .job-card[data-task-id="{job_id}"]')


def item(page, job_id):
    return page.locator(f'#library-list .lib-item[data-task-id="{job_id}"]')


def generate(page, prompt):
    page.fill("#prompt", prompt)
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        page.click("#submit-button")
    return json.loads(req.value.post_data), req.value.response().json(), req.value.headers


# --- issue 7 §5: parameters from the schema, price, frames, parameters on results, Cancel ------

def test_controls_come_from_the_schema_and_the_price_follows_them(open_fake, fake):
    page = open_fake()
    assert page.input_value("#model") == "seedance-2-0"
    assert page.locator("#param-duration").get_attribute("type") == "range"
    assert page.locator("#param-resolution option").count() == 3
    assert page.locator("#param-ratio").evaluate("e => e.tagName") == "SELECT"
    assert page.locator("#param-audio").get_attribute("role") == "switch"
    assert page.locator("#param-seed").is_hidden() and page.locator("#param-negative_prompt").is_hidden(), "advanced ones folded"
    expect(page.locator("#cost-before")).to_have_text("本次费用 US$0.7765")   # 1280×720×(24×5+1)/1024 tokens at 7.13
    page.locator("#param-duration").fill("8")
    page.select_option("#param-resolution", "1080p")
    expect(page.locator("#cost-before")).to_have_text("本次费用 US$3.0875")
    page.click("#params-advanced summary")
    page.fill("#param-seed", "42")
    page.uncheck("#param-audio")
    sent, answer, headers = generate(page, "a lighthouse in a storm")
    assert sent["params"] == {"duration": 8, "resolution": "1080p", "ratio": "16:9", "audio": False, "seed": 42, "negative_prompt": ""}
    assert answer["price_usd"] == 3.0875, "the page showed what the server reserves"
    # Another model: a select for `values`, no advanced part, per-second price.
    page.select_option("#model", "wan-2-6")
    assert page.locator("#param-duration").evaluate("e => e.tagName") == "SELECT"
    assert page.locator("#params-advanced").is_hidden()
    expect(page.locator("#cost-before")).to_have_text("本次费用 US$0.65")
    page.select_option("#param-duration", "10")
    expect(page.locator("#cost-before")).to_have_text("本次费用 US$1.30")


def test_a_bad_parameter_is_marked_at_its_field(open_fake, fake):
    page = open_fake()
    page.click("#params-advanced summary")
    page.fill("#param-seed", "-7")
    page.fill("#prompt", "x")
    page.click("#submit-button")
    expect(page.locator("#param-seed-error")).to_have_text("随机种子 必须是 -1 到 4294967295 之间的整数")
    assert page.evaluate("document.activeElement.id") == "param-seed"
    assert not [r for r in fake.requests if r[1] == "generate"]


def test_first_and_last_frames_where_the_model_takes_them(open_fake, fake, tmp_path):
    first, last = tmp_path / "first.png", tmp_path / "last.png"
    first.write_bytes(png_bytes(64, 36))
    last.write_bytes(png_bytes(36, 64))
    page = open_fake()
    page.click("#frames summary")
    page.wait_for_selector('.frame-slot[data-slot="first"]')   # frame upload loads on first use
    assert page.locator('.frame-slot[data-slot="last"]').is_visible()
    page.set_input_files("#frame-last-file", str(last))
    page.fill("#prompt", "from dawn to dusk")
    page.click("#submit-button")
    expect(page.locator("#frame-first-error")).to_have_text("有尾帧时必须同时给出首帧")
    expect(page.locator("#param-ratio")).to_have_count(1)
    page.set_input_files("#frame-first-file", str(first))
    expect(page.locator("#param-ratio")).to_have_count(0)     # this model takes no ratio with frames
    sent, answer, _ = generate(page, "from dawn to dusk")
    assert "ratio" not in sent["params"]
    assert sent["first_frame_base64"].startswith("data:image/png;base64,") and sent["last_frame_base64"].startswith("data:image/png;base64,")
    assert answer["mode"] == "first_last_frame"
    page.select_option("#model", "wan-2-6")
    assert page.locator('.frame-slot[data-slot="last"]').is_hidden(), "Wan takes a first frame only"


def test_results_show_the_parameters_they_used_and_cancel_where_offered(open_fake, fake):
    queued = fake.create(params={"duration": 8, "resolution": "1080p"}, prompt="queued and then cancelled")
    done = fake.create(params={"duration": 6, "resolution": "480p", "audio": False}, prompt="finished with sound off")
    fake.run(done["task_id"])
    fake.succeed(done["task_id"])
    page = open_fake()
    facts = card(page, done["task_id"]).locator(".job-facts")
    expect(facts).to_contain_text("6 秒")
    expect(facts).to_contain_text("480p")
    expect(facts).to_contain_text("生成音频关")
    c = card(page, queued["task_id"])
    cancel = c.get_by_role("button", name=re.compile("^取消任务"))
    with page.expect_response(lambda r: r.url.endswith("/cancel")) as answer:
        cancel.click()
    assert answer.value.status == 200
    expect(c).to_have_attribute("data-status", "cancelled")
    assert c.locator(".job-cancel").is_hidden()
    fake.run(fake.create(prompt="running upstream")["task_id"])
    page.reload()
    running = page.locator('.job-card[data-status="generating"]').first
    running.wait_for()
    assert running.locator(".job-cancel").is_hidden(), "no Cancel once the provider runs it (can_cancel false)"


# --- issue 10 §3, §5: our words for phases, truthful progress ----------------------------------

def test_phases_in_our_words_with_position_elapsed_and_time_left(open_fake, fake):
    job = fake.create(prompt="waiting my turn", queue_position=3)
    page = open_fake(english=True)
    c = card(page, job["task_id"])
    expect(c.locator(".job-status")).to_have_text("Waiting in our queue: position 3")
    fake.run(job["task_id"], progress=42)
    expect(c.locator(".job-status")).to_contain_text("Generating 42 %", timeout=5_000)
    expect(c.locator(".job-status")).to_contain_text("left")            # from typical_seconds 180
    assert "task running" not in c.locator(".job-status").inner_text(), "the provider's raw stage is folded away"
    c.locator(".job-stage summary").click()
    expect(c.locator(".job-stage-text")).to_have_text("task running (42%)")
    meta = c.locator(".job-meta")
    seen = [meta.inner_text()]
    for _ in range(2):   # the elapsed time runs: the line changes without a new document
        page.wait_for_function("([el, old]) => el.textContent !== old", arg=[meta.element_handle(), seen[-1]])
        seen.append(meta.inner_text())
    assert len(set(seen)) == 3 and all(s.startswith("Elapsed") for s in seen), seen


def test_a_terminal_state_shows_at_once_from_the_feed(open_fake, fake):
    job = fake.create(prompt="slow and then suddenly done")
    fake.run(job["task_id"], progress=10)
    page = open_fake()
    c = card(page, job["task_id"])
    expect(c).to_have_attribute("data-status", "generating")
    # Nothing changes: the card's poller backs off. Wait until its polls are 3 s apart or more.
    polled = lambda r: f"/status/{job['task_id']}.json" in r.url
    last = time.monotonic()
    while True:
        page.wait_for_event("request", polled, timeout=10_000)
        now = time.monotonic()
        if now - last >= 3:
            break
        last = now
    fake.succeed(job["task_id"])
    expect(c).to_have_attribute("data-status", "succeeded", timeout=2_500)   # the feed, not the next poll


# --- issue 10 §3, §6: failures in the reader's words, honest Retry --------------------------------

FAILURES = [
    ("moderation", "input", {"upstream_code": "InputTextSensitiveContentDetected"}),
    ("upstream", "auth", {"status": 403}),
    ("ambiguous", "create_timeout", {"seconds": 30, "upstream_task_search": "not_found"}),
    ("timeout", "deadline", {"seconds": 1800}),
    ("transfer", "link_expired", {"expired_at": "2026-12-01T09:00:00Z", "attempts": 3}),
]


def test_an_english_failure_card_has_no_chinese(open_fake, fake):
    page = open_fake(english=True)
    jobs = []
    for kind, code, params in FAILURES:     # made by someone else: they arrive through the change feed
        j = fake.create(model_id="sora-v2-landscape", prompt=f"an English prompt for {kind}")
        fake.fail(j["task_id"], kind=kind, code=code, params=params)
        jobs.append(j)
    for j, (kind, code, _) in zip(jobs, FAILURES):
        c = card(page, j["task_id"])
        expect(c.locator(".failure")).to_have_attribute("data-code", code)
        c.locator(".failure-detail summary").click()
        text = c.inner_text()
        assert not CJK.search(text), f"{kind}.{code}: {text}"
    assert "The provider refused our API key (HTTP 403)." in card(page, jobs[1]["task_id"]).inner_text()
    assert "Search for the task at the provider: not found" in card(page, jobs[2]["task_id"]).inner_text()


ZH_MODERATION_INPUT = "上游在生成前拒绝了提示词或图片。"

# Codes the core sends that the page once showed with their kind's words only.
OWN_SENTENCES = [
    ("upstream", "overloaded", {}, "上游负载过高。", "The provider is under heavy load."),
    ("upstream", "transport", {}, "与上游的连接出错。", "The connection to the provider failed."),
    ("ambiguous", "create_interrupted", {}, "提交途中后台进程中断", "The worker stopped while submitting"),
    ("ambiguous", "create_unreadable", {"status": 200}, "上游返回 HTTP 200，但内容无法解读", "(HTTP 200) could not be read"),
    ("stream_cut", "no_end", {}, "既没有结束标记", "without its end marker"),
    ("config", "spool_unwritable", {}, "未向上游发送任何内容", "nothing was sent"),
    ("transfer", "link_dead", {"retryable": False}, "上游链接已失效", "no longer works"),
]


def test_failure_wording_loads_with_the_first_failure_and_every_code_has_its_sentence(page_factory, fake):
    asked = []

    def setup(ctx):
        fake.install(ctx)
        ctx.on("request", lambda r: asked.append(r.url))
    running = fake.create(prompt="still running")
    fake.run(running["task_id"], progress=10)
    page = page_factory(setup=setup)
    expect(card(page, running["task_id"]).locator(".job-percent")).to_have_text("10%")
    failure_words = lambda: [u.rsplit("/", 1)[1] for u in asked if "/failures-" in u]   # noqa: E731
    assert failure_words() == [], "a page load with no failure shown fetches no failure wording"
    jobs = []
    for kind, code, params, *_ in OWN_SENTENCES:
        j = fake.create(prompt=f"fails with {kind}.{code}")
        fake.fail(j["task_id"], kind=kind, code=code, params=params)
        jobs.append(j)
    for j, (kind, code, _, zh, _en) in zip(jobs, OWN_SENTENCES):
        box = card(page, j["task_id"]).locator(".failure")
        expect(box).to_have_attribute("data-code", code)        # known to the page: its own sentence, not only the kind's
        expect(box.locator(".failure-text")).to_contain_text(zh)
    assert failure_words() == ["failures-zh.js"], "fetched once, for the reader's language"
    page.select_option("#locale-select", "en")
    for j, (*_, en) in zip(jobs, OWN_SENTENCES):
        expect(card(page, j["task_id"]).locator(".failure-text")).to_contain_text(en)
    assert failure_words() == ["failures-zh.js", "failures-en.js"]


def test_a_failed_job_opened_from_the_library_brings_the_failure_wording(open_fake, fake):
    j = fake.create(prompt="refused before generating")
    fake.fail(j["task_id"], kind="moderation", code="input")
    page = open_fake()
    card(page, j["task_id"]).locator(".job-dismiss").click()
    page.reload()                                   # dismissed: now only the library shows it
    page.wait_for_selector("#model:enabled")
    expect(item(page, j["task_id"])).to_have_count(1)
    expect(card(page, j["task_id"])).to_have_count(0)
    item(page, j["task_id"]).locator(".thumb").click()
    expect(page.locator("#video-dialog[open] .failure-text")).to_have_text(ZH_MODERATION_INPUT)


def test_failure_wording_that_fails_to_load_is_fetched_again_by_the_card_and_the_dialog(page_factory, fake):
    """The first fetches of the failure wording fail (a network blip): the card and the dialog
    say the result is being read, never show raw keys, and show the sentence once a later fetch
    succeeds, without a reload."""
    refused = {"left": 2, "asked": 0}

    def flaky(route):
        refused["asked"] += 1
        if refused["left"] > 0:
            refused["left"] -= 1
            return route.abort("connectionreset")
        route.continue_()

    def setup(ctx):
        fake.install(ctx)
        ctx.route(re.compile(r".*/failures-zh\.js(\?.*)?$"), flaky)
    j = fake.create(prompt="refused before generating")
    fake.fail(j["task_id"], kind="moderation", code="input")
    page = page_factory(setup=setup)
    c = card(page, j["task_id"])
    expect(c).to_contain_text("正在读取结果")
    expect(c.locator(".failure-text")).to_have_text(ZH_MODERATION_INPUT, timeout=15_000)
    assert refused["asked"] >= 3, refused
    # A second page whose every fetch fails at first: the dialog, opened from the library.
    refused.update(left=2, asked=0)
    page = page_factory(setup=setup)
    c = card(page, j["task_id"])
    expect(c).to_contain_text("正在读取结果")
    item(page, j["task_id"]).locator(".thumb").click()
    dialog = page.locator("#video-dialog[open]")
    expect(dialog).to_contain_text("正在读取结果")              # both fetches so far refused
    expect(dialog.locator(".failure-text")).to_have_text(ZH_MODERATION_INPUT, timeout=15_000)
    assert "fail." not in dialog.inner_text() and "failure." not in dialog.inner_text(), dialog.inner_text()


def test_retry_only_when_offered_its_answer_shown_and_a_refusal_said(open_fake, fake):
    page = open_fake()
    denied = fake.create(prompt="the provider says 403")
    fake.fail(denied["task_id"], kind="upstream", code="auth", params={"status": 403}, can_retry=False)
    lost = fake.create(prompt="stored later")
    fake.fail(lost["task_id"], kind="transfer", code="download_http", params={"status": 502, "attempts": 3}, can_retry=True,
              link_expires_at="2026-12-02T09:00:00Z", link_expiry_estimated=True)
    refused = fake.create(prompt="refused on retry")
    fake.fail(refused["task_id"], kind="timeout", code="deadline", params={"seconds": 1800}, can_retry=True)
    cross = fake.create(prompt="cross-site retry")
    fake.fail(cross["task_id"], kind="transfer", code="network", can_retry=True)
    for j in (denied, lost, refused, cross):
        expect(card(page, j["task_id"]).locator(".failure")).to_be_visible(timeout=5_000)
    assert card(page, denied["task_id"]).locator(".retry").count() == 0, "no Retry after a 403"
    assert card(page, cross["task_id"]).locator(".retry").count() == 1
    c = card(page, lost["task_id"])
    expect(c.locator(".failure-actions")).to_contain_text("（估计）")
    with page.expect_response(lambda r: r.url.endswith("/retry")) as answer:
        c.locator(".retry").click()
    assert answer.value.status == 202
    expect(c).to_have_attribute("data-status", "transferring")          # the answer's new state, at once
    expect(c.locator(".job-status")).to_have_text("正在下载视频")
    fake.answer_once[("POST", rf"jobs/{refused['task_id']}/retry")] = (409, "not_retryable", {"reason": "link_dead"})
    r = card(page, refused["task_id"])
    r.locator(".retry").click()
    expect(r.locator(".retry-problem")).to_have_text("重试未被接受：上游的视频链接已失效，只能重新生成")
    assert r.locator(".retry").count() == 0, "not offered again"
    fake.answer_once[("POST", rf"jobs/{cross['task_id']}/retry")] = (403, "cross_site")
    x = card(page, cross["task_id"])
    x.locator(".retry").click()
    expect(x.locator(".retry-problem")).to_contain_text("跨站请求")


# --- issue 10 §1: reuse ---------------------------------------------------------------------

def test_regenerate_and_edit_from_the_library(open_fake, fake):
    src = fake.create(prompt="a kite over the dunes", params={"duration": 9, "resolution": "480p"}, mode="first_last_frame")
    fake.frames[src["task_id"]] = {"first": png_bytes(30, 40), "last": png_bytes(40, 30)}
    fake.run(src["task_id"])
    fake.succeed(src["task_id"])
    page = open_fake()
    it = item(page, src["task_id"])
    regen = it.locator(".regenerate")
    # 848×480 (no ratio with frames: 16:9) × (24 × 9 + 1) / 1024 = 86258 tokens at 7.13 per million
    expect(regen).to_contain_text("US$0.615")
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        regen.click()
    sent = json.loads(req.value.post_data)
    assert sent == {"model": "seedance-2-0", "prompt": "a kite over the dunes", "images_from": src["task_id"],
                    "params": {"duration": 9, "resolution": "480p", "audio": True, "seed": -1, "negative_prompt": ""}}
    new_id = req.value.response().json()["task_id"]
    card(page, new_id).wait_for()
    assert page.evaluate("document.activeElement.dataset.taskId") == new_id
    keys = [r[3].get("idempotency-key") for r in fake.requests if r[1] == "generate"]
    regen.click()
    page.wait_for_function("n => document.querySelectorAll('#job-list .job-card').length >= n", arg=3)
    keys = [r[3].get("idempotency-key") for r in fake.requests if r[1] == "generate"]
    assert len(set(keys)) == len(keys) == 2, "a fresh Idempotency-Key each time"
    # Edit fills the form: model, parameters, prompt and both frames (from the image route).
    it.get_by_role("button", name=re.compile("^编辑")).click()
    expect(page.locator("#prompt")).to_have_value("a kite over the dunes")
    assert page.input_value("#param-duration") == "9"
    assert page.input_value("#param-resolution") == "480p"
    page.wait_for_selector('.frame-slot[data-slot="last"] .image-preview:not([hidden])')
    expect(page.locator("#param-ratio")).to_have_count(0)     # Ark takes no ratio with frames
    assert page.locator('.frame-slot[data-slot="first"] .image-preview').is_visible()
    assert page.evaluate("document.activeElement.id") == "prompt"
    # Copy prompt.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    it.get_by_role("button", name=re.compile("^复制提示词")).click()
    expect(it.locator(".copy-feedback")).to_have_text("提示词已复制")


def test_regenerate_from_a_failed_card(open_fake, fake):
    j = fake.create(model_id="wan-2-6", prompt="rain on a tin roof", params={"duration": 10, "resolution": "720p"})
    fake.fail(j["task_id"], kind="moderation", code="output")
    page = open_fake()
    c = card(page, j["task_id"])
    expect(c.locator(".regenerate")).to_contain_text("US$0.86")
    with page.expect_request(lambda r: r.url.endswith("/api/generate")) as req:
        c.locator(".regenerate").click()
    assert json.loads(req.value.post_data) == {"model": "wan-2-6", "prompt": "rain on a tin roof", "params": {"duration": 10, "resolution": "720p", "prompt_extend": True}}


# --- issue 10 §2: live without Swift on the polling path -------------------------------------

def test_jobs_of_a_second_client_progress_deletion_and_spend_show_within_seconds(open_fake, fake):
    page = open_fake()
    expect(page.locator("#spend-left")).to_have_text("· 今日剩余 US$10.00 / US$10.00")
    other = fake.create(prompt="made through the API by someone else")
    card(page, other["task_id"]).wait_for(timeout=5_000)
    item(page, other["task_id"]).wait_for(timeout=5_000)
    fake.run(other["task_id"], progress=55)
    expect(card(page, other["task_id"]).locator(".job-percent")).to_have_text("55%", timeout=5_000)
    expect(page.locator("#today-spend")).to_have_text("US$0.7765", timeout=5_000)
    fake.succeed(other["task_id"])
    expect(item(page, other["task_id"])).to_have_attribute("data-status", "succeeded", timeout=5_000)
    fake.delete(other["task_id"])
    expect(item(page, other["task_id"])).to_have_count(0, timeout=5_000)
    expect(card(page, other["task_id"])).to_have_count(0, timeout=5_000)
    gets = [r for r in fake.requests if r[0] == "GET" and r[1] in ("jobs", "status")]
    assert len(gets) <= 3, f"the live part polls static files, not the API: {gets}"


# --- issue 10 §7: library -------------------------------------------------------------------

def test_library_counts_follow_the_filters_search_by_id_and_one_tab_stop_per_item(open_fake, fake):
    ids = []
    for i in range(4):
        j = fake.create(prompt=f"harbour at night {i}")
        fake.run(j["task_id"])
        fake.succeed(j["task_id"], poster=i != 0)
        ids.append(j["task_id"])
    bad = fake.create(prompt="a failure")
    fake.fail(bad["task_id"])
    page = open_fake()
    state = page.locator("#library-state")
    expect(state).to_have_text("已显示 5 个，共 5 个")
    page.select_option("#library-status", "succeeded")
    expect(state).to_have_text("已显示 4 个，共 4 个")
    page.fill("#library-q", ids[2])
    expect(state).to_have_text("已显示 1 个，共 1 个")
    assert page.locator("#library-list .lib-item").get_attribute("data-task-id") == ids[2]
    page.fill("#library-q", "")
    expect(state).to_have_text("已显示 4 个，共 4 个")
    # Posters instead of video range requests where there is one.
    assert item(page, ids[1]).locator(".thumb img").count() == 1 and item(page, ids[1]).locator("video").count() == 0
    assert item(page, ids[0]).locator(".thumb video").count() == 1
    # One Tab stop per item; arrows move inside an item and between items.
    stops = page.evaluate("""() => [...document.querySelectorAll('#library-list .lib-item')].map(li =>
        [...li.querySelectorAll('button, a[href]')].filter(c => c.tabIndex >= 0 && !c.disabled).length)""")
    assert stops == [1, 1, 1, 1]
    first = page.locator("#library-list .lib-item").first.locator(".thumb")
    first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.closest('.lib-item') === document.querySelector('#library-list .lib-item')")
    assert page.evaluate("document.activeElement.classList.contains('thumb')") is False
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.lib-item') === document.querySelectorAll('#library-list .lib-item')[1]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.lib-item') === document.querySelectorAll('#library-list .lib-item')[2]"), \
        "Tab leaves the item: the next item's single stop"


def test_a_search_matching_more_than_1000_jobs_reads_1000_plus(open_fake, fake):
    for i in range(1001):
        fake.create(prompt=f"lantern festival {i}", status="cancelled", phase="cancelled", can_cancel=False)
    fake.create(prompt="a quiet sea", status="cancelled", phase="cancelled", can_cancel=False)
    page = open_fake()
    state = page.locator("#library-state")
    expect(state).to_have_text("已显示 50 个，共 1002 个")   # without a search: exact
    page.fill("#library-q", "lantern")
    expect(state).to_have_text("已显示 50 个，共 1000+ 个")
    page.select_option("#locale-select", "en")
    expect(state).to_have_text("50 of 1000+ shown")
    page.fill("#library-q", "quiet")
    expect(state).to_have_text("1 of 1 shown")


def test_the_jobs_panel_scrolls_away_instead_of_covering_the_library(open_fake, fake):
    for i in range(60):
        fake.create(prompt=f"harbour at dusk {i}", status="cancelled", phase="cancelled", can_cancel=False)
    page = open_fake()
    expect(page.locator("#library-state")).to_have_text("已显示 50 个，共 60 个")
    page.locator("#library .lib-item").nth(8).scroll_into_view_if_needed()
    jobs, library = page.locator("section.jobs").bounding_box(), page.locator("#library").bounding_box()
    assert jobs["y"] + jobs["height"] <= library["y"], (jobs, library)


# --- issue 10 §8: names and the delete dialog -----------------------------------------------------

def test_every_control_has_a_unique_name(open_fake, fake):
    for i in range(2):
        j = fake.create(prompt="the same prompt twice")
        fake.run(j["task_id"])
        fake.succeed(j["task_id"])
    page = open_fake()
    expect(page.locator("#job-list .job-card video")).to_have_count(2)
    for scope in ("#job-list", "#library-list", "#generate-form"):
        names = page.evaluate("""scope => [...document.querySelectorAll(`${scope} button, ${scope} a[href], ${scope} video, ${scope} input, ${scope} select, ${scope} textarea`)]
            .filter(e => e.offsetParent !== null || e.tagName === 'INPUT').map(e => e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent.trim()) || e.textContent.trim() || e.closest('label')?.textContent.trim() || '')""", scope)
        assert all(names), f"{scope}: a control without a name: {names}"
        dupes = {n for n in names if names.count(n) > 1 and not n.startswith(("16:9", "480p", "720p", "1080p"))}
        assert not dupes, f"{scope}: {dupes}"


@pytest.mark.parametrize("delete_media,words", [(True, "视频文件都会被删除"), (False, "视频文件保留")])
def test_the_delete_dialog_tells_the_truth_about_the_stored_file(page_factory, delete_media, words):
    fake = ContractFake(delete_media=delete_media)
    j = fake.create(prompt="to be deleted")
    fake.run(j["task_id"])
    fake.succeed(j["task_id"])
    page = page_factory(setup=fake.install)
    item(page, j["task_id"]).locator(".lib-delete").click()
    expect(page.locator("#confirm-body")).to_contain_text(words)
    page.click("#confirm-ok")
    expect(item(page, j["task_id"])).to_have_count(0)


# --- issue 8, page side: sign-in, budget, cross-site -----------------------------------------

def test_sign_in_bad_password_too_many_attempts_and_sign_out(page_factory):
    fake = ContractFake(signed_in=False)
    page = page_factory(setup=fake.install, ready="#signin:not([hidden])")
    assert page.locator("#main").is_hidden()
    assert page.evaluate("document.activeElement.id") == "password"
    page.fill("#password", "wrong")
    page.click("#signin-button")
    expect(page.locator("#signin-error")).to_have_text("密码不正确")
    for _ in range(2):
        page.fill("#password", "wrong")
        page.click("#signin-button")
        expect(page.locator("#signin-button")).to_be_enabled()
    page.fill("#password", "wrong")
    page.click("#signin-button")
    expect(page.locator("#signin-error")).to_have_text("尝试次数过多，请 2秒 后再试")
    expect(page.locator("#signin-button")).to_be_disabled()
    expect(page.locator("#signin-button")).to_be_enabled(timeout=4_000)
    fake.bad_logins = 0
    page.fill("#password", fake.password)
    page.click("#signin-button")
    page.wait_for_selector("#model:enabled")
    assert page.locator("#signin").is_hidden()
    page.click("#signout")
    page.wait_for_selector("#signin:not([hidden])")
    assert not fake.signed_in


def test_budget_left_and_a_refused_generate(page_factory):
    fake = ContractFake(budget=0.5)
    page = page_factory(setup=fake.install)
    expect(page.locator("#spend-left")).to_have_text("· 今日剩余 US$0.50 / US$0.50")
    expect(page.locator("#cost-before")).to_have_text("本次费用 US$0.7765，超过今日剩余额度 US$0.50")
    page.fill("#prompt", "too expensive")
    page.click("#submit-button")
    expect(page.locator("#form-errors")).to_have_text("超出今日预算：本次 US$0.7765，剩余 US$0.50（上限 US$0.50）")
    fake.answer_once[("POST", "generate")] = (403, "cross_site")
    page.select_option("#model", "sora-v2-landscape")
    page.click("#submit-button")
    expect(page.locator("#form-errors")).to_contain_text("跨站请求")


# --- issue 10 §10: automated accessibility ----------------------------------------------------------

def axe_problems(page):
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("state", ["empty", "running", "finished", "failed", "library", "dialog", "confirm", "sign-in"])
def test_no_serious_or_critical_axe_violations(page_factory, state):
    pytest.importorskip("axe_playwright_python")
    fake = ContractFake(signed_in=state != "sign-in")
    if state in ("running", "library"):
        fake.run(fake.create(prompt="a slow pan over a harbour at dusk")["task_id"], progress=42)
    if state in ("finished", "library", "dialog", "confirm"):
        j = fake.create(prompt="a red fox running through fresh snow", params={"duration": 8})
        fake.run(j["task_id"])
        fake.succeed(j["task_id"])
    if state in ("failed", "library"):
        j = fake.create(prompt="a famous actor in a fight")
        fake.fail(j["task_id"], kind="moderation", code="input", params={"upstream_code": "InputTextSensitiveContentDetected"})
    page = page_factory(setup=fake.install, ready="#signin:not([hidden])" if state == "sign-in" else "#model:enabled")
    if state != "sign-in":
        expect(page.locator("#library-state")).not_to_have_text("加载中…")
    if state in ("running", "finished", "failed"):
        expect(page.locator(f'#job-list .job-card[data-status="{ {"running": "generating", "finished": "succeeded", "failed": "failed"}[state] }"]')).to_have_count(1)
    if state == "failed":
        expect(page.locator("#job-list .failure")).to_be_visible()     # its wording loads on first use
    if state == "dialog":
        page.locator("#library-list .thumb").first.click()
        page.wait_for_selector("#video-dialog[open] .dialog-close")
    if state == "confirm":
        page.locator("#library-list .lib-delete").first.click()
        page.wait_for_selector("#confirm-dialog[open]")
    if state == "empty":
        page.click("#frames summary")
        page.wait_for_selector('.frame-slot[data-slot="first"]')   # frame upload loads on first use
    assert axe_problems(page) == []


def test_the_accessibility_check_can_fail(page_factory):
    pytest.importorskip("axe_playwright_python")
    page = page_factory(setup=ContractFake().install)
    page.evaluate("() => document.querySelector('#generate-form').append(document.createElement('button'))")
    assert any(p.startswith("button-name") for p in axe_problems(page))


def test_zz_screenshots(page_factory, artifacts):
    """The README's pictures (docs/screenshot-desktop.png, docs/screenshot-phone.png are copies of
    Tests/artifacts/page-*.png): a job in progress, a result, a failure and the library, at
    1440×900 and 390×844, from the fake so the states and prompts are the same every time."""
    fake = ContractFake()
    lib = [("a lighthouse on a cliff in a storm, waves breaking", "succeeded"), ("paper lanterns rising over a river at night", "succeeded"),
           ("a famous actor in a street fight", "failed"), ("time-lapse of clouds over snowy mountains", "succeeded")]
    for prompt, end in lib:
        j = fake.create(model_id="wan-2-6", prompt=prompt, params={"duration": 5, "resolution": "1080p"})
        fake.run(j["task_id"])
        if end == "succeeded":
            fake.succeed(j["task_id"])
        else:
            fake.fail(j["task_id"], kind="moderation", code="input", params={"upstream_code": "DataInspectionFailed"})
    done = fake.create(prompt="a red fox running through fresh snow at dawn, cinematic", params={"duration": 8, "resolution": "1080p"},
                       created_at=now_iso(-214))
    fake.run(done["task_id"])
    fake.succeed(done["task_id"])
    running = fake.create(prompt="a paper boat drifting down a rainy street at night, neon reflections",
                          params={"duration": 10, "resolution": "720p", "ratio": "9:16"}, created_at=now_iso(-95))
    fake.run(running["task_id"], progress=42)
    for name, (w, h) in {"desktop": (1440, 900), "phone": (390, 844)}.items():
        page = page_factory(width=w, height=h, setup=fake.install)
        expect(card(page, done["task_id"]).locator("video")).to_have_count(1)
        page.wait_for_function("v => v.readyState >= 2", arg=card(page, done["task_id"]).locator("video").element_handle())
        expect(card(page, running["task_id"]).locator(".job-status")).to_contain_text("42%")
        page.screenshot(path=str(artifacts / f"page-{name}.png"))
        page.screenshot(path=str(artifacts / f"page-{name}-full.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= w, f"no horizontal scrolling at {w}px"


def test_live_updates_leave_the_keyboard_focus_and_open_controls_alone(open_fake, fake):
    j = fake.create(prompt="a long render in the background")
    fake.run(j["task_id"], progress=5)
    done = fake.create(prompt="an older result")
    fake.run(done["task_id"])
    fake.succeed(done["task_id"])
    page = open_fake()
    page.locator(f'#library-list .lib-item[data-task-id="{done["task_id"]}"] .thumb').focus()
    page.focus("#param-duration")
    page.keyboard.press("ArrowRight")               # the slider is in use
    slider = page.evaluate("document.activeElement.id")
    for p in (20, 40, 60):                           # progress and spend keep arriving through the feed
        fake.run(j["task_id"], progress=p)
        expect(card(page, j["task_id"]).locator(".job-percent")).to_have_text(f"{p}%", timeout=5_000)
    assert page.evaluate("document.activeElement.id") == slider == "param-duration"
    assert page.input_value("#param-duration") == "6"
    item(page, done["task_id"]).locator(".thumb").focus()
    for p in (70, 80):
        fake.run(j["task_id"], progress=p)
        expect(card(page, j["task_id"]).locator(".job-percent")).to_have_text(f"{p}%", timeout=5_000)
    assert page.evaluate("document.activeElement.closest('.lib-item')?.dataset.taskId") == done["task_id"]
