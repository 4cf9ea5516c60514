// The dashboard's stylesheet: system fonts, one accent, status colours, light and dark.

export const STYLE = `:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1c2330; --muted: #667085; --line: #e4e7ec; --accent: #3557d4;
  --ok: #12805c; --ok-bg: #e3f6ee; --warn: #a15c07; --warn-bg: #fdf1dc; --bad: #b42318; --bad-bg: #fde8e7;
  --run: #175cd3; --run-bg: #e3edfd; --idle: #475467; --idle-bg: #eef0f3; --log-bg: #0f1522; --log-text: #d5dbe6;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f131a; --panel: #171c25; --text: #e6e9ef; --muted: #98a2b3; --line: #283040; --accent: #8aa4ff;
    --ok-bg: #0f2e22; --ok: #5fd3a4; --warn-bg: #33250d; --warn: #f3b45a; --bad-bg: #3a1513; --bad: #ff8a80;
    --run-bg: #13264a; --run: #8ab4ff; --idle-bg: #232a36; --idle: #b3bccb; }
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 17px; color: var(--text); letter-spacing: .2px; }
.summary { color: var(--muted); }
.server { margin-left: auto; color: var(--muted); font-size: 13px; }
.server.failing { color: var(--bad); }
#certs:not([hidden]) + .server { margin-left: 16px; }
.auth { padding: 12px 24px; background: var(--warn-bg); color: var(--warn); }
.auth form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.auth input { padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; min-width: 260px; }
button { padding: 6px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); color: var(--text); cursor: pointer; font: inherit; }
button:hover { border-color: var(--accent); }
.layout { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 7fr); gap: 20px; padding: 20px 24px; align-items: start; }
@media (max-width: 1000px) { .layout { grid-template-columns: 1fr; } }
.projects, .detail { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px; min-width: 0; }
.filter { width: 100%; padding: 7px 10px; margin-bottom: 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); font: inherit; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { padding: 8px; border-bottom: 1px solid var(--line); vertical-align: middle; overflow-wrap: anywhere; }
tr:last-child td { border-bottom: 0; }
#projects tbody tr { cursor: pointer; }
table.cards td.mono, .tag { overflow-wrap: normal; white-space: nowrap; }
#projects tbody tr:hover { background: var(--bg); }
#projects tbody tr.selected { background: var(--run-bg); }
.name { font-weight: 600; }
.muted { color: var(--muted); }
.bad { color: var(--bad); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.s-synced, .s-succeeded { color: var(--ok); background: var(--ok-bg); }
.s-building, .s-running, .s-queued { color: var(--run); background: var(--run-bg); }
.s-failed, .s-config-error, .s-interrupted { color: var(--bad); background: var(--bad-bg); }
.s-out-of-sync { color: var(--warn); background: var(--warn-bg); }
.s-not-deployed, .s-cancelled { color: var(--idle); background: var(--idle-bg); }
.s-building::before, .s-running::before { content: ""; display: inline-block; width: 7px; height: 7px; margin-right: 6px; border-radius: 50%; background: currentColor; animation: pulse 1.2s infinite; vertical-align: 1px; }
@keyframes pulse { 50% { opacity: .25; } }
.detail h2 { margin: 0; font-size: 20px; }
.detail h3 { margin: 22px 0 8px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.reason { margin: 8px 0 0; padding: 8px 10px; border-radius: 6px; background: var(--warn-bg); color: var(--warn); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 14px 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.tag { font-size: 11px; font-weight: 700; padding: 0 6px; border-radius: 4px; margin-left: 6px; color: var(--ok); background: var(--ok-bg); }
.tag.desired { color: var(--run); background: var(--run-bg); }
.builds { display: flex; flex-direction: column; gap: 4px; }
.build { display: flex; gap: 10px; align-items: center; padding: 6px 8px; border-radius: 6px; cursor: pointer; border: 1px solid transparent; }
.build:hover { background: var(--bg); }
.build.selected { border-color: var(--line); background: var(--bg); }
.log { margin: 10px 0 0; background: var(--log-bg); color: var(--log-text); border-radius: 8px; padding: 12px 14px; max-height: 340px; overflow: auto; white-space: pre-wrap; line-height: 1.5; }
.log-head { display: flex; justify-content: space-between; margin-top: 10px; color: var(--muted); font-size: 12px; }
.following { color: var(--run); font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
.notice { margin: 12px 24px 0; padding: 8px 12px; border-radius: 6px; background: var(--run-bg); color: var(--run); overflow-wrap: anywhere; }
.notice.bad-notice { background: var(--bad-bg); color: var(--bad); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 12px; }
.actions .pr { color: var(--muted); font-size: 13px; }
button.small { padding: 2px 8px; font-size: 12px; margin-right: 6px; }
.links { white-space: nowrap; }
.build { flex-wrap: wrap; }
.err { overflow-wrap: anywhere; min-width: 0; }
.cause { margin: 8px 0 0; padding: 8px 10px; border-radius: 6px; background: var(--bad-bg); color: var(--bad); white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
.first-error { outline: 1px solid var(--bad); background: rgba(255, 80, 80, .15); }
.ansi-bold { font-weight: 700; }
.ansi-fg-black { color: #6b7280; } .ansi-fg-red { color: #ff7b72; } .ansi-fg-green { color: #56d364; } .ansi-fg-yellow { color: #e3b341; }
.ansi-fg-blue { color: #79c0ff; } .ansi-fg-magenta { color: #d2a8ff; } .ansi-fg-cyan { color: #76e3ea; } .ansi-fg-white { color: #f0f6fc; }
@media (max-width: 600px) {
  .top { flex-wrap: wrap; padding: 10px 12px; gap: 8px; }
  .server { margin-left: 0; }
  .layout { padding: 12px; gap: 12px; }
  .projects, .detail { padding: 12px; }
  .notice { margin: 10px 12px 0; }
  .auth input { min-width: 0; width: 100%; }
  /* The project list and the versions as one card a row: their columns do not fit 390 px without cutting one off. */
  table.cards thead { display: none; }
  table.cards tr { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; padding: 8px 4px; border-bottom: 1px solid var(--line); }
  table.cards tr:last-child { border-bottom: 0; }
  table.cards td { display: block; padding: 0; border: 0; }
  table.cards td:first-child { flex: 1 1 auto; }
  table.cards td[data-label] { font-size: 13px; overflow-wrap: normal; }
  table.cards td[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-family: system-ui, sans-serif; }
  table.cards td.last { flex-basis: 100%; }
}
`;
