"""The reader of the State Council's holiday notice (sla.notice, pure): the 2025 and 2026
notices give exactly the days the chinesecalendar package has for those years; single days,
ranges across months, totals and weekdays are read and checked."""

from datetime import date

import pytest

from sla.notice import parse_notice

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
"""

NOTICE_2026 = """一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。"""


@pytest.mark.parametrize(("year", "text"), [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_real_notices_give_the_package_s_days(year, text):
    import chinese_calendar

    notice = parse_notice(text, year=year)
    assert notice.problems == []
    assert [d.date for d in notice.holidays] == sorted(
        d for d in chinese_calendar.holidays if d.year == year
    )
    assert [d.date for d in notice.workdays] == sorted(
        d for d in chinese_calendar.workdays if d.year == year
    )


def test_names_come_from_the_headings():
    notice = parse_notice(NOTICE_2025, year=2025)
    names = {d.date: d.name for d in notice.holidays + notice.workdays}
    assert names[date(2025, 1, 1)] == "元旦"
    assert names[date(2025, 2, 8)] == "春节"
    assert names[date(2025, 10, 8)] == "国庆节、中秋节"
    assert names[date(2025, 9, 28)] == "国庆节、中秋节"


def test_single_day_and_range_across_months():
    text = (
        "一、元旦：1月1日放假。\n"
        "二、国庆节：9月29日至10月6日放假调休，共8天。9月27日、10月9日上班。"
    )
    notice = parse_notice(text, year=2023)
    assert notice.problems == []
    assert [d.date for d in notice.holidays] == [date(2023, 1, 1)] + [
        date(2023, 9, 29),
        date(2023, 9, 30),
        *(date(2023, 10, n) for n in range(1, 7)),
    ]
    assert [d.date for d in notice.workdays] == [date(2023, 9, 27), date(2023, 10, 9)]


def test_a_date_with_its_own_year():
    text = "一、元旦：2017年12月30日至2018年1月1日放假调休，共3天。"
    notice = parse_notice(text, year=2018)
    assert notice.problems == []
    assert [d.date for d in notice.holidays] == [
        date(2017, 12, 30),
        date(2017, 12, 31),
        date(2018, 1, 1),
    ]


def test_the_wrong_year_is_caught_by_the_weekdays():
    notice = parse_notice(NOTICE_2026, year=2025)
    assert {p.code for p in notice.problems} == {"weekday"}
    first = notice.problems[0]
    assert first.section == "元旦"
    assert first.params["said"] == "周四"
    assert first.params["actual"] == "周三"


def test_a_total_that_does_not_add_up():
    notice = parse_notice("一、春节：2月15日至23日放假调休，共8天。", year=2026)
    assert [(p.code, p.params) for p in notice.problems] == [("total", {"said": 8, "n": 9})]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "no_sections"),
        ("明年的放假安排另行通知。", "no_sections"),
        ("一、春节：放假调休，共9天。", "no_dates"),
        ("一、春节：另行通知。", "no_dates"),
        ("一、春节：2月30日放假。", "bad_date"),
        ("一、春节：2月23日至2月15日放假。", "reversed"),
        ("一、春节：15日至23日放假。", "unclear"),
        ("一、元旦：1月1日放假。二、春节：1月1日上班。", "twice"),
    ],
)
def test_text_it_cannot_read_is_reported(text, code):
    notice = parse_notice(text, year=2026)
    assert code in {p.code for p in notice.problems}
