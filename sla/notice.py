"""Read the State Council's yearly holiday notice (国务院办公厅关于某年部分节假日安排的通知):
the holidays and adjusted working days (调休上班) of one year, from its numbered list.

Pure Python: no Django. Problems are returned as codes with parameters; the caller words
them (``sla/admin.py``), so that they can be translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

# A section starts with a Chinese numeral and "、" at the start of the text, of a line or
# after a full stop ("农历正月初七、周二" must not start one).
_SECTION = re.compile(r"(?:^|(?<=[\n。]))[ \t\u3000]*([一二三四五六七八九十]+)、([^：:\n]+)[：:]")
_DATE = r"(?:(?P<{p}y>\d{{4}})年)?(?:(?P<{p}m>\d{{1,2}})月)?(?P<{p}d>\d{{1,2}})日"
_RANGE = re.compile(
    _DATE.format(p="a")
    + r"(?P<anote>[（(][^）)]*[）)])?"
    + r"(?:\s*[至到~～—-]\s*"
    + _DATE.format(p="b")
    + r"(?P<bnote>[（(][^）)]*[）)])?)?"
)
_TOTAL = re.compile(r"(?:共|放假)(\d+)天")
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Problem:
    """Something the parser could not read or that does not add up."""

    code: str  # no_sections, no_dates, bad_date, reversed, total, weekday, twice, unclear
    section: str  # the section's heading ("春节"), or "" for the whole text
    text: str  # the words in question
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NoticeDay:
    date: date
    name: str


@dataclass
class Notice:
    """What the notice says for one year; ``problems`` empty means it was read entirely."""

    year: int
    holidays: list[NoticeDay] = field(default_factory=list)
    workdays: list[NoticeDay] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _date(match, prefix: str, year: int, month: int | None) -> tuple[date | None, str | None]:
    y = int(match[f"{prefix}y"]) if match[f"{prefix}y"] else year
    m = int(match[f"{prefix}m"]) if match[f"{prefix}m"] else month
    if m is None:
        return None, "unclear"
    try:
        return date(y, m, int(match[f"{prefix}d"])), None
    except ValueError:
        return None, "bad_date"


def _check_weekday(day: date, note: str | None, section: str, problems: list[Problem]) -> None:
    """The notice gives the weekday in brackets ("（周五）"): a mismatch means a wrong year."""
    found = re.search(r"(?:周|星期)([一二三四五六日天])", note or "")
    if not found:
        return
    said = _WEEKDAYS.index(found[1].replace("天", "日"))
    if said != day.weekday():
        problems.append(
            Problem(
                "weekday",
                section,
                f"{day.month}月{day.day}日{note}",
                {"date": day, "said": f"周{found[1]}", "actual": f"周{_WEEKDAYS[day.weekday()]}"},
            )
        )


def _dates(clause: str, year: int, section: str, problems: list[Problem]) -> list[date]:
    """Every date in the clause, ranges expanded ("9月29日至10月6日", "1月1日至3日")."""
    days: list[date] = []
    month: int | None = None
    for match in _RANGE.finditer(clause):
        start, error = _date(match, "a", year, month)
        if error:
            problems.append(Problem(error, section, match[0]))
            continue
        month = start.month
        _check_weekday(start, match["anote"], section, problems)
        end = start
        if match["bd"]:
            end, error = _date(match, "b", start.year, start.month)
            if error:
                problems.append(Problem(error, section, match[0]))
                continue
            month = end.month
            _check_weekday(end, match["bnote"], section, problems)
            if end < start:
                problems.append(Problem("reversed", section, match[0]))
                continue
        days.extend(start + timedelta(days=n) for n in range((end - start).days + 1))
    return days


def parse_notice(text: str, *, year: int) -> Notice:
    """The holidays and adjusted working days the notice ``text`` gives for ``year``.

    Each section ("二、春节：…") is read sentence by sentence: the dates of a sentence that
    says 放假 are holidays (ranges expanded), those of a sentence that says 上班 are worked.
    Totals ("共8天", "放假1天") and weekdays ("（周五）") are checked against the dates."""
    notice = Notice(year=year)
    text = (text or "").replace("\r\n", "\n").strip()
    heads = list(_SECTION.finditer(text))
    if not heads:
        notice.problems.append(Problem("no_sections", "", text[:60]))
        return notice
    seen: dict[date, str] = {}
    for i, head in enumerate(heads):
        name = head[2].strip()
        body = text[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        found_any = False
        for sentence in re.split(r"[。；;\n]", body):
            sentence = sentence.strip()
            if not sentence:
                continue
            if "放假" in sentence:
                clause = sentence.split("放假", 1)[0]
                days = _dates(clause, year, name, notice.problems)
                target = notice.holidays
                total = _TOTAL.search(sentence)
                if total and days and int(total[1]) != len(days):
                    notice.problems.append(
                        Problem("total", name, sentence, {"said": int(total[1]), "n": len(days)})
                    )
            elif "上班" in sentence:
                days = _dates(sentence, year, name, notice.problems)
                target = notice.workdays
            else:
                continue
            if not days:
                notice.problems.append(Problem("no_dates", name, sentence))
                continue
            found_any = True
            for day in days:
                if day in seen:
                    notice.problems.append(Problem("twice", name, sentence, {"date": day}))
                    continue
                seen[day] = name
                target.append(NoticeDay(day, name))
        if not found_any:
            notice.problems.append(Problem("no_dates", name, body.strip()[:60]))
    notice.holidays.sort(key=lambda d: d.date)
    notice.workdays.sort(key=lambda d: d.date)
    return notice
