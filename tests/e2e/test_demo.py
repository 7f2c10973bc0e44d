"""`botpool demo` from the installed command, with no Telegram and no configuration."""

from __future__ import annotations

import re

import aiohttp

from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok


async def test_demo_serves_its_go_link_and_stops_cleanly(tmp_path):
    port = free_port()
    async with botpool("demo", "--port", str(port), env=clean_env(), cwd=tmp_path) as demo:
        line = await demo.wait_for_line("/go/")
        link = re.search(r"(http://\S+/go/\S+)", line).group(1)
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        usernames = set()
        async with aiohttp.ClientSession() as http:
            for _ in range(8):
                async with http.get(link, allow_redirects=False) as response:
                    assert response.status == 302, demo.text()
                    location = response.headers["Location"]
                    assert location.startswith("https://t.me/"), location
                    usernames.add(location.split("/")[3].split("?")[0])
        assert len(usernames) == 4, usernames
        # The control bot's pool card reaches the terminal.
        await demo.wait_for_line("demo_funnel_1_bot")
        assert await demo.stop() == 0, demo.text()
    assert not list(tmp_path.iterdir()), "the demo keeps its data out of the working directory"


async def test_demo_chaos_bans_a_bot_and_the_alerts_reach_the_terminal(tmp_path):
    port = free_port()
    args = ("demo", "--port", str(port), "--chaos", "--chaos-every", "6")
    env = clean_env(BOTPOOL_HEALTH_INTERVAL_S="1", BOTPOOL_ALERT_GROUP_WAIT_S="1")
    async with botpool(*args, env=env, cwd=tmp_path) as demo:
        banned = await demo.wait_for_line("chaos: @", timeout_s=90)
        username = banned.split("@", 1)[1].split()[0]
        # The health checks notice, the operator is told in the terminal (one message,
        # edited as the ban is confirmed), and after the next chaos step the bot is
        # restored, re-checked, and one message closes the incident.
        await demo.wait_for_line("Pool 'Demo': saúde 75% (3/4 online)", timeout_s=60)
        await demo.wait_for_line(f"chaos: @{username} restored", timeout_s=60)
        await demo.wait_for_line("✅ Resolvido", timeout_s=60)
        await demo.wait_for_line(f"✅ @{username} online", timeout_s=60)
        assert await demo.stop() == 0, demo.text()
