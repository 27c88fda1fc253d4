/** A dependency-free SVG of two bar groups: throughput and p99 latency per target. */
export function ingestChartSvg(rows: readonly { target: string; requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number }[], caption: string): string {
  const width = 760;
  const barHeight = 22;
  const gap = 8;
  const labelWidth = 170;
  const panelHeight = rows.length * (barHeight + gap) + 40;
  const height = panelHeight * 2 + 40;
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  const panel = (top: number, title: string, value: (r: (typeof rows)[number]) => number, unit: string, colour: string) => {
    const max = Math.max(1, ...rows.map(value));
    const scale = (width - labelWidth - 110) / max;
    parts.push(`<text x="10" y="${top + 18}" font-weight="bold">${escape(title)}</text>`);
    rows.forEach((row, i) => {
      const y = top + 30 + i * (barHeight + gap);
      const w = Math.max(1, value(row) * scale);
      parts.push(`<text x="10" y="${y + 15}">${escape(row.target)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`);
      parts.push(`<text x="${labelWidth + w + 6}" y="${y + 15}">${value(row).toFixed(0)} ${unit}</text>`);
    });
  };
  panel(0, 'Throughput (requests/s, higher is better)', (r) => r.requestsPerSecond, 'req/s', '#3b7dd8');
  panel(panelHeight, 'Latency p99 (ms, lower is better)', (r) => r.latencyP99Ms, 'ms', '#d8843b');
  parts.push(`<text x="10" y="${height - 12}" font-size="11" fill="#555">${escape(caption)}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
