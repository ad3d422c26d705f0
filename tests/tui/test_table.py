"""kacrm's Table draws exactly what Textual's DataTable draws, segment by segment and style by
style, for the cells kacrm's tables hold: wide (Chinese) text cropped mid-character, money justified
right, styled text, markup, numbers, empty cells, the cursor, zebra stripes and the header; and it
measures the columns to the same widths."""
from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from kacrm_tui.widgets.table import Table

CELLS = [
    ("C000001", "中国石化上海分公司有限公司", Text("1,234,567.00", justify="right"), "A", None),
    ("C0002", "华东·宁波“东方”贸易", Text("-12.50", justify="right", style="red"), "[b]粗体[/b]", 17),
    ("", "ab", Text.assemble(("EI", "bold"), "  ", ("12", "bold")), Text("中文x", style="bold"), 3.5),
    ("长", "一二三四五六七八九十一二三四五六七八九十", Text(""), Text("  left  "), Text("r ", justify="right")),
    ("x" * 30, "tab", Text("centre", justify="center"), Text("中" * 9, overflow="ellipsis"), ""),
    (":smile: ok", "行一\n行二", Text("  12.00  ", justify="right"), Text("a\tb"), "[i]x[/i] :+1:"),
    (Text("-", justify="left"), "宽宽宽宽宽宽", Text("宽宽宽宽宽宽宽宽宽宽宽宽宽宽", justify="right"), "宽宽宽", "  "),
]


class Tables(App):
    def compose(self) -> ComposeResult:
        for kind in (DataTable, Table):
            table = kind(cursor_type="row", zebra_stripes=True)
            table.styles.height = 10
            table.add_column("代码", key="code")
            table.add_column("名称", key="name", width=9)  # crops wide characters mid-way
            table.add_column(Text("余额", justify="right"), key="balance")
            table.add_column("分类", key="class", width=5)
            table.add_column("n", key="n")
            for n, row in enumerate(CELLS):
                table.add_row(*row, key=str(n), label="标签" if n == 2 else None)
            yield table


def lines(table: DataTable) -> list[list]:
    return [list(table.render_line(y)) for y in range(table.size.height)]


async def drawn(pilot, table: DataTable, **cursor) -> list[list]:
    """The table's lines, focused and not, with the cursor at `cursor`."""
    table.move_cursor(**cursor)
    table.focus()
    await pilot.pause()
    focused = lines(table)
    table.screen.set_focus(None)
    await pilot.pause()
    return focused + lines(table)


async def test_the_table_draws_as_the_data_table_does():
    app = Tables()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        plain, fast = app.query(DataTable)
        assert type(fast) is Table and type(plain) is DataTable
        assert [c.content_width for c in fast.columns.values()] == [c.content_width for c in plain.columns.values()]
        assert [c.content_width for c in fast.columns.values()][0] == 30
        shown = await drawn(pilot, fast, row=1)
        assert shown == await drawn(pilot, plain, row=1)
        assert "".join(s.text for s in shown[2]).split()[0] == "C0002"  # the cursor's row: a check of the check
        assert shown[2][0].style != shown[3][0].style
        for table in (plain, fast):
            table.cursor_type = "cell"
        assert await drawn(pilot, fast, row=3, column=1) == await drawn(pilot, plain, row=3, column=1)


class OneTable(App):
    def compose(self) -> ComposeResult:
        table = Table()
        table.styles.width, table.styles.height = 40, 5  # its size fixed, as in a dashboard's panel
        yield table


async def test_rows_measured_after_a_frame_was_drawn_are_drawn_in_their_widths():
    """On a busy machine a frame can be drawn between adding rows and measuring them (when the
    table is idle): the next frame shows the rows in their measured widths, not the cached lines."""
    app = OneTable()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(Table)
        table.add_column("名称", key="name")
        await pilot.pause()
        table.add_row("中国石化上海分公司", key="1")
        early = "".join(segment.text for segment in table.render_line(1))  # a frame before it is idle
        assert early.split() == ["中国"]  # the header's width: cropped
        await pilot.pause()
        assert table.columns["name"].content_width == 18
        assert "".join(segment.text for segment in table.render_line(1)).split() == ["中国石化上海分公司"]
