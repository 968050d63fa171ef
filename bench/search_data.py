"""Text for the search and list benchmarks: the generated incidents' titles, descriptions,
callers and some comments made to look like a Chinese service desk's (``add_search_text``).

The generator (common.generate_incidents) titles every row "Generated incident N"; a search
over that would measure nothing. Done once per bench database, in SQL (a few minutes for a
million rows, the GIN indexes included).
"""

SUBJECTS = [
    "网络",
    "打印机",
    "邮箱",
    "VPN",
    "电脑",
    "报关系统",
    "账号",
    "服务器",
    "电话",
    "视频会议",
]
PROBLEMS = [
    "无法连接",
    "故障",
    "很慢",
    "无法登录",
    "报错",
    "需要安装",
    "密码重置",
    "蓝屏",
]
ENGLISH = [
    "printer offline",
    "network timeout",
    "mailbox full",
    "login failed",
    "disk error",
]
FAMILY = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙"]
GIVEN = ["芳", "伟", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "霞", "涛", "明"]

# One incident in RARE_EVERY mentions the rare word.
RARE_WORD = "防火墙策略"
RARE_EVERY = 10_000


def _search_indexes() -> dict[str, str]:
    """The search indexes as the migration defines them (name -> ON … clause)."""
    import importlib

    return importlib.import_module("incidents.migrations.0008_search_indexes").INDEXES


def _array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def add_search_text(comment_every: int = 10) -> bool:
    """Give the generated incidents searchable text and one comment in ``comment_every``;
    False when it was done before."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM incidents_incident WHERE title LIKE 'Generated incident %%' LIMIT 1"
        )
        if cur.fetchone() is None:
            return False
        # Rewriting every row through four GIN indexes costs far more than building them
        # again afterwards: drop them for the load.
        indexes = _search_indexes()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for name in indexes:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        subjects, problems = _array(SUBJECTS), _array(PROBLEMS)
        english, family, given = _array(ENGLISH), _array(FAMILY), _array(GIVEN)
        cur.execute(
            f"""
            UPDATE incidents_incident SET
                title = ({subjects})[1 + id % {len(SUBJECTS)}]
                    || ({problems})[1 + (id / 7) % {len(PROBLEMS)}]
                    || CASE WHEN id % {RARE_EVERY} = 0 THEN '，{RARE_WORD}' ELSE '' END,
                description = '用户反映' || ({subjects})[1 + (id / 3) % {len(SUBJECTS)}]
                    || ({problems})[1 + (id / 11) % {len(PROBLEMS)}] || '，'
                    || ({english})[1 + id % {len(ENGLISH)}] || '，编号 ' || id,
                contact_name = ({family})[1 + id % {len(FAMILY)}]
                    || ({given})[1 + (id / 13) % {len(GIVEN)}],
                contact_phone = '138' || lpad((id % 100000000)::text, 8, '0')
            WHERE title LIKE 'Generated incident %%'
            """
        )
        cur.execute(
            f"""
            INSERT INTO incidents_comment (incident_id, author_id, body, is_public, created_at)
            SELECT i.id, i.owner_id,
                   '已联系' || i.contact_name || '，' || ({english})[1 + i.id % {len(ENGLISH)}]
                   || CASE WHEN i.id % {RARE_EVERY} = 5 THEN '，交换机端口' ELSE '' END,
                   i.id % 2 = 0, i.created_at
            FROM incidents_incident i WHERE i.id % {comment_every} = 0
            """
        )
        for name, definition in indexes.items():
            cur.execute(f"CREATE INDEX {name} ON {definition}")
        cur.execute("VACUUM ANALYZE incidents_incident")
        cur.execute("VACUUM ANALYZE incidents_comment")
    return True


def page_timer(repeat: int):
    """A signed-in test client with a trivial view mounted next to the project's URLs, and a
    function that times a URL through it: (p95 ms, p50 ms, status, queries, response)."""
    import statistics
    import sys

    from common import p95, timed
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path

    import itsm.urls

    class BenchUrls:
        urlpatterns = [
            path("bench/trivial", lambda request: HttpResponse("ok")),
            *itsm.urls.urlpatterns,
        ]

    sys.modules["search_bench_urls"] = BenchUrls
    override = override_settings(ROOT_URLCONF="search_bench_urls", DEBUG=False)
    override.enable()
    client = Client()

    def measure(url: str):
        response = client.get(url)
        samples = timed(lambda: client.get(url), repeat=repeat)
        with override_settings(DEBUG=True):
            settings.DEBUG = True
            reset_queries()
            client.get(url)
            queries = len(connection.queries)
        settings.DEBUG = False
        return p95(samples), statistics.median(samples), response.status_code, queries, response

    return client, measure
