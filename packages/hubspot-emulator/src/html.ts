// Shared bits of the emulator's few HTML pages (consent screen, error page, contacts table).

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f8fa;color:#33475b}
.scroll{overflow-x:auto;max-width:100%}main{max-width:960px;margin:40px auto;background:#fff;border:1px solid #cbd6e2;border-radius:8px;padding:24px 32px}
h1{font-size:22px;margin-top:0}
.badge{display:inline-block;background:#ff7a59;color:#fff;border-radius:4px;padding:2px 8px;font-size:12px;font-weight:600}
button{font-size:15px;padding:8px 20px;border-radius:4px;border:1px solid #cbd6e2;cursor:pointer;margin-right:8px}
#approve{background:#ff7a59;border-color:#ff7a59;color:#fff}
select{font-size:15px;padding:6px;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #dfe3eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f5f8fa}
.muted{color:#7c98b6;font-size:13px}
code{background:#f5f8fa;padding:1px 4px;border-radius:3px}
`;

export function page(title: string, body: string, extraHead = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${extraHead}
<style>${STYLE}</style>
</head>
<body>
<main>
<p><span class="badge">HubSpot emulator</span> <span class="muted">local stand-in, no real HubSpot account is used</span></p>
${body}
</main>
</body>
</html>
`;
}
