package dev.streaminfer.sql.report;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns: text left-aligned, numbers right-aligned. */
final class TextTable {

    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();
    private final List<Integer> separatorsBefore = new ArrayList<>();

    /** Headers starting with '>' are right-aligned (the '>' is not printed). */
    TextTable(String... headers) {
        this.headers = new String[headers.length];
        this.rightAligned = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            rightAligned[i] = headers[i].startsWith(">");
            this.headers[i] = rightAligned[i] ? headers[i].substring(1) : headers[i];
        }
    }

    TextTable row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("expected " + headers.length + " cells, got " + cells.length);
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(row);
        return this;
    }

    /** A rule before the next row (e.g. above a total). */
    TextTable separator() {
        separatorsBefore.add(rows.size());
        return this;
    }

    int size() {
        return rows.size();
    }

    String render() {
        int[] widths = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            widths[i] = headers[i].length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, widths);
        rule(sb, widths);
        for (int r = 0; r < rows.size(); r++) {
            if (separatorsBefore.contains(r)) {
                rule(sb, widths);
            }
            line(sb, rows.get(r), widths);
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(rightAligned[i] ? pad + cells[i] : cells[i] + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static void rule(StringBuilder sb, int[] widths) {
        int total = 2 * (widths.length - 1);
        for (int w : widths) {
            total += w;
        }
        sb.append("-".repeat(total)).append('\n');
    }
}
