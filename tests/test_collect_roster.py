"""Rosters as people export them (issue 13, item 1): headers, content, encodings, explicit columns."""

from __future__ import annotations

import pytest

from autograder.collect.roster import RosterError, decode, parse_roster, read_roster

LINK1, LINK2 = "https://github.com/chen/hw", "https://github.com/lin/ML100Days/blob/main/hw.ipynb"


@pytest.mark.parametrize("header, row1, row2, id_name", [
    ("時間戳記,電子郵件地址,學號,姓名,GitHub 連結", "2026/11/20 10:00,c@x.tw,b01,陳怡君," + LINK1,
     "2026/11/21 11:00,l@x.tw,b02,林志豪," + LINK2, "學號"),
    ("學號,姓名,GitHub 連結", "b01,陳怡君," + LINK1, "b02,林志豪," + LINK2, "學號"),
    ("学号,姓名,作業網址", "b01,陈怡君," + LINK1, "b02,林志豪," + LINK2, "学号"),
    ("Student ID,Full name,Email,GitHub repository link", "b01,Chen,c@x," + LINK1, "b02,Lin,l@x," + LINK2,
     "Student ID"),
    ("Username,Last name,Submission text", "b01,Chen," + LINK1, "b02,Lin," + LINK2, "Username"),   # LMS export
    ("Student ID,Name,Answer", "b01,Chen," + LINK1, "b02,Lin," + LINK2, "Student ID"),   # link found by content
    ("Student ID,GitHub username,Homework", "b01,chen-gh," + LINK1, "b02,lin-gh," + LINK2, "Student ID"),
])
def test_headers_people_use(header, row1, row2, id_name):
    rows = parse_roster("\n".join([header, row1, row2]) + "\n")
    assert [(r.student_id, r.link) for r in rows] == [("b01", LINK1), ("b02", LINK2)]
    assert id_name not in rows[0].extra and len(rows[0].extra) == header.count(",") - 1


def test_columns_can_be_named_by_header_or_number():
    text = "a,b,c,d\nx1,b01,keep," + LINK1 + "\nx2,b02,keep," + LINK2 + "\n"
    rows = parse_roster(text, id_column="b", link_column="4")
    assert [(r.student_id, r.link) for r in rows] == [("b01", LINK1), ("b02", LINK2)]
    assert rows[0].extra == {"a": "x1", "c": "keep"}
    with pytest.raises(RosterError, match="no column 'Matrikel'.*columns: a, b, c, d"):
        parse_roster(text, id_column="Matrikel")


def test_a_clear_error_only_when_no_column_can_be_found():
    with pytest.raises(RosterError, match="cannot tell which column holds the link.*--link-column"):
        parse_roster("學號,姓名\nb01,陳\n")
    with pytest.raises(RosterError, match="student id.*--id-column"):
        parse_roster("Name,GitHub\nChen," + LINK1 + "\n")


NAMES_TW = ["陳怡君", "林志豪", "張雅婷", "黃冠宇", "劉佳蓉", "蔡宗翰", "王小明", "楊淑芬"]
NAMES_CN = ["陈怡君", "林志豪", "张雅婷", "黄冠宇", "刘佳蓉", "蔡宗翰", "王小明", "杨淑芬"]


@pytest.mark.parametrize("encoding, names, label", [
    ("utf-8", NAMES_TW, "UTF-8"), ("utf-8-sig", NAMES_TW, "UTF-8"), ("utf-16", NAMES_TW, "UTF-16"),
    ("cp950", NAMES_TW, "Big5 (cp950)"), ("gb18030", NAMES_CN, "GB18030"), ("gb18030", NAMES_TW, "GB18030"),
])
def test_encodings_keep_names_intact(encoding, names, label, tmp_path):
    sep = "\t" if encoding == "utf-16" else ","          # Excel's "Unicode text" is tab-separated
    text = sep.join(["學號", "姓名", "GitHub 連結"]) + "\n" + "".join(
        sep.join([f"b{i:02}", n, f"https://github.com/u{i}/hw"]) + "\n" for i, n in enumerate(names))
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    assert decode(path.read_bytes())[1] == label
    rows = read_roster(path)
    assert [r.extra["姓名"] for r in rows] == names
    assert rows[3].student_id == "b03" and rows[3].link == "https://github.com/u3/hw"


def test_an_undecodable_file_says_how_to_save_it(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\x81\x30\xff\xff\xfe\x00abc")
    with pytest.raises(RosterError, match="CSV UTF-8"):
        read_roster(path)
