import type { EmulatorCore } from './core.js';
import { escapeHtml, page } from './html.js';
import type { PortalState } from './state.js';

// Read-only HTML views so a person running the demo can watch results land in "HubSpot".

const BASE_COLUMNS = ['email', 'firstname', 'lastname'];

export function contactsPage(core: EmulatorCore, portal: PortalState, refreshSeconds: number | undefined): string {
  const custom = [...portal.properties.values()]
    .filter((property) => !property.hubspotDefined && !property.archived)
    .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.name.localeCompare(b.name));
  const columns = [...BASE_COLUMNS.map((name) => ({ name, label: portal.properties.get(name)?.label ?? name })), ...custom.map((p) => ({ name: p.name, label: p.label }))];
  const contacts = [...portal.contacts.values()].filter((contact) => !contact.archived);
  const head = `<tr><th>ID</th>${columns.map((c) => `<th title="${escapeHtml(c.name)}">${escapeHtml(c.label)}<br><code>${escapeHtml(c.name)}</code></th>`).join('')}<th>Updated</th></tr>`;
  const rows = contacts
    .map(
      (contact) =>
        `<tr data-contact-id="${escapeHtml(contact.id)}" data-email="${escapeHtml(contact.properties.get('email') ?? '')}"><td>${escapeHtml(contact.id)}</td>${columns
          .map((c) => `<td data-property="${escapeHtml(c.name)}">${escapeHtml(contact.properties.get(c.name) ?? '')}</td>`)
          .join('')}<td>${escapeHtml(core.iso(contact.updatedAt))}</td></tr>`,
    )
    .join('\n');
  const refresh = refreshSeconds && refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${Math.floor(refreshSeconds)}">` : '';
  const body = `<h1 id="portal-title">${escapeHtml(portal.name)} <span class="muted">hub ${portal.hubId} - ${escapeHtml(portal.domain)}</span></h1>
<p id="contact-count">${contacts.length} contact${contacts.length === 1 ? '' : 's'}</p>
${contacts.length ? `<div class="scroll"><table id="contacts">\n<thead>${head}</thead>\n<tbody>\n${rows}\n</tbody>\n</table></div>` : '<p id="no-contacts" class="muted">No contacts yet.</p>'}
<p class="muted"><a href="/_emulator/portals/${portal.hubId}/contacts">JSON</a> · <a href="/_emulator/ui">all portals</a></p>`;
  return page(`Contacts - ${portal.name} (${portal.hubId})`, body, refresh);
}

export function indexPage(core: EmulatorCore): string {
  const portals = [...core.state.portals.values()]
    .map((portal) => {
      const installs = [...core.state.installs.values()].filter((install) => install.hubId === portal.hubId).map((install) => install.clientId);
      const count = [...portal.contacts.values()].filter((contact) => !contact.archived).length;
      return `<tr><td><a href="/_emulator/ui/portals/${portal.hubId}">${portal.hubId}</a></td><td>${escapeHtml(portal.name)}</td><td>${escapeHtml(portal.domain)}</td><td>${count}</td><td>${escapeHtml(installs.join(', ') || '-')}</td></tr>`;
    })
    .join('\n');
  const apps = [...core.state.apps.values()].map((app) => `<li>${escapeHtml(app.name)} <code>${escapeHtml(app.clientId)}</code> (app ${app.appId})</li>`).join('\n');
  return page(
    'HubSpot emulator',
    `<h1>Portals</h1>
<table id="portals"><thead><tr><th>Hub ID</th><th>Name</th><th>Domain</th><th>Contacts</th><th>Installed apps</th></tr></thead><tbody>
${portals}
</tbody></table>
<h2>Apps</h2>
<ul id="apps">${apps}</ul>
<p class="muted"><a href="/_emulator/counters">counters</a> · <a href="/_emulator/requests">request log</a></p>`,
  );
}
