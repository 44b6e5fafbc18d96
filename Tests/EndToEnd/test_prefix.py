"""The drop-in locations mounted under a prefix (/sora), as inside an existing site: page, API,
status files and media all live under it, and nothing answers outside it."""
import requests

from stack import Stack, free_port, stack_dir


def test_everything_works_under_a_url_prefix():
    st = Stack(stack_dir("prefix"), free_port(), prefix="/sora").start()
    try:
        page = requests.get(st.base + "/", timeout=5)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert "Content-Security-Policy" in page.headers
        r = st.generate("mounted under /sora")
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["status_url"] == f"/sora/status/{job['task_id']}.json"
        doc = st.wait(job["task_id"])
        assert doc["status"] == "succeeded" and doc["video_url"].startswith("/sora/media/")
        assert requests.get(st.url(doc["video_url"]), timeout=5).content[4:8] == b"ftyp"
        assert requests.get(st.url(job["status_url"]), timeout=5).json()["task_id"] == job["task_id"]
        # Outside the prefix the site is the host's, not ours.
        assert requests.get(st.origin + "/api/health", timeout=5).status_code == 404
    finally:
        st.stop()
