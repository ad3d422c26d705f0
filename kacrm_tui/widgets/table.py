"""A DataTable that draws and measures one-line cells of text without Rich's layers.

Textual's DataTable draws every cell through `console.render_lines(Styled(Padding(cell)))`, reads
every string cell through Rich's markup parser and measures every new cell through freshly built
console options: on the customer list (nine columns, a hundred rows a page) that was 100 to 150 ms
of each search keystroke. A cell of one line of `Text` (what kacrm's tables hold) goes through the
same Rich steps here, called directly: the same segments (tests/tui/test_table.py compares them with
DataTable's, style by style), a quarter of the time, and no measuring to speak of. Anything else
(wrapped or several-line cells, other renderables) takes DataTable's own path. Keys, cursor,
sorting, messages and looks are DataTable's: this is one."""
from __future__ import annotations

from itertools import zip_longest
from typing import Iterable

from rich._emoji_replace import _emoji_replace
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import DEFAULT_JUSTIFY, DEFAULT_OVERFLOW, Span, Text
from textual.render import measure
from textual.widgets import DataTable
from textual.widgets._data_table import RowRenderables, default_cell_formatter

_NULL = Style.null()
_EMPTY = Text(no_wrap=True, end="")


def _text(datum) -> Text:
    """What DataTable's `default_cell_formatter(datum, wrap=False, height=1)` makes of a cell, a
    string without markup or line breaks read without Rich's markup parser (the same Text)."""
    if datum is None:
        return _EMPTY
    if isinstance(datum, str) and "[" not in datum and "\n" not in datum:
        return Text(_emoji_replace(datum) if ":" in datum else datum, end="", no_wrap=True) if datum else _EMPTY
    return default_cell_formatter(datum, wrap=False, height=1) or _EMPTY


def _width(console, renderable) -> int:
    """What DataTable's `measure(console, renderable, 1)` gives, without building console options
    for a Text (its widest line)."""
    if isinstance(renderable, Text):
        lines = renderable.plain.splitlines()
        return max(map(cell_len, lines)) if lines else 0
    return measure(console, renderable, 1)


def one_line(console, cell: Text, width: int, padding: int, pre_style: Style, post_style: Style,
             justify, overflow, meta: Style | None = None) -> list[Segment]:
    """The line `console.render_lines(Styled(Padding(cell, (0, padding)), pre_style + meta,
    post_style), options)` draws for a one-line `cell` in a row of height 1 (no_wrap), step by step:
    the text wrapped (justified and cropped), joined (its own style becomes a span), rendered, padded
    to the inner width, the padding either side, the styles applied.

    A cell of plain text that fits (most cells) is one segment: every piece of it gets the same
    style, so the line a table simplifies is the same. `meta` (a cell's row and column, unique to
    it) is added last there, where neither other style holds meta of its own: the combinations
    before it are then the few a table repeats, which Rich has cached."""
    inner = width - 2 * padding
    justify = cell.justify or justify or DEFAULT_JUSTIFY
    if not cell.spans and not cell.style and justify in ("default", "right"):  # most cells: no wrap needed
        plain = cell.plain.rstrip() if justify == "right" else cell.plain
        used = cell_len(plain)
        if used <= inner and not (post_style and post_style._meta):
            fill, side = " " * (inner - used), " " * padding
            style = pre_style + post_style if post_style else pre_style
            style = style + meta if meta else style
            return [Segment(side + (fill + plain if justify == "right" else plain + fill) + side, style)]
    pre_style = pre_style + meta if meta else pre_style
    line = cell.wrap(console, inner, justify=justify,
                     overflow=cell.overflow or overflow or DEFAULT_OVERFLOW, no_wrap=True)[0]
    spans = [Span(0, len(line), line.style), *line.spans] if line.style else line.spans
    segments = list(Text(line.plain, spans=spans, end="").render(console)) if spans else [Segment(line.plain)]
    return _padded(segments, inner, padding, pre_style, post_style)


def _padded(segments: list[Segment], inner: int, padding: int, pre_style: Style, post_style: Style) -> list[Segment]:
    segments = Segment.adjust_line_length(segments, inner, style=_NULL, pad=True)
    if padding:
        side = Segment(" " * padding, _NULL)
        segments = [side, *segments, side]
    return list(Segment.apply_style(segments, pre_style, post_style))


class Table(DataTable):
    """DataTable, faster on one-line text cells; use it as DataTable."""

    _frame_style: Style | None = None

    def render_lines(self, crop):
        # every line of a frame asks for the widget's style, worked out each time from the CSS of
        # its ancestors: once a frame is enough
        self._frame_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    @property
    def rich_style(self) -> Style:
        return self._frame_style if self._frame_style is not None else super().rich_style

    def _compute_row_renderables(self, row_index: int) -> RowRenderables:
        row_key = self._row_locations.get_key(row_index) if row_index != -1 else None
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None or row.height != 1:
            return super()._compute_row_renderables(row_index)
        cells = [_text(datum) for datum, _ in zip_longest(self.get_row_at(row_index), range(len(self.columns)))]
        label = _text(row.label) if self._should_render_row_labels and row.label else None
        return RowRenderables(label, cells)

    def _update_dimensions(self, new_rows: Iterable) -> None:
        # measure the new rows' cells here (the same widths), and leave DataTable only the rows of
        # automatic height (it renders those to know their height) and the virtual size
        console = self.app.console
        before = [column.content_width for column in self.columns.values()], self._label_column.content_width
        auto = []
        for row_key in new_rows:
            row_index = self._row_locations.get(row_key)
            if row_index is None:  # removed before the table was idle
                continue
            row = self.rows[row_key]
            if row.label is not None:
                self._labelled_row_exists = True
            label, cells = self._get_row_renderables(row_index)
            if label:
                self._label_column.content_width = max(self._label_column.content_width, _width(console, label))
            for column, renderable in zip(self.ordered_columns, cells):
                width = _width(console, renderable)
                if width > column.content_width:
                    column.content_width = width
            if row.auto_height:
                auto.append(row_key)
        if before != ([column.content_width for column in self.columns.values()], self._label_column.content_width):
            # DataTable keys its cached lines by its update count, which measuring leaves as it was:
            # a frame drawn between adding the rows and measuring them (a busy machine) would be
            # drawn again from the cache, in the old widths, until the next change
            self._update_count += 1
        super()._update_dimensions(auto)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        is_header = row_index == -1
        is_label = column_index == -1
        row_key = self._header_row_key if is_header else self._row_locations.get_key(row_index)
        if is_header:
            height = self.header_height
        else:
            row = self.rows[row_key]
            height = 0 if row.auto_height and row.height == 0 else row.height
        label, cells = self._get_row_renderables(row_index)
        cell = (label if label is not None else "") if is_label else cells[column_index]
        if height != 1 or not isinstance(cell, Text) or cell.no_wrap is False or width - 2 * self.cell_padding < 1 \
                or "\n" in cell.plain or "\t" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        column_key = self._column_locations.get_key(column_index)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
               self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is None:
            meta = Style.from_meta({"row": row_index, "column": column_index})
            fixed = not is_header and not is_label and (row_index < self.fixed_rows
                                                        or column_index < self.fixed_columns)
            component_style, post_style = self._get_styles_to_render_cell(
                is_header, is_label, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            if component_style._meta:  # meta of the cell's own then comes before the component's
                base_style, meta = base_style + meta, None
            options = self.app.console_options
            lines = [one_line(self.app.console, cell, width, self.cell_padding, base_style + component_style,
                              post_style, options.justify, options.overflow, meta)]
            self._cell_render_cache[key] = lines
        return lines

