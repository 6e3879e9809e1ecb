import type { EmulatorCore } from './core.js';
import { escapeHtml, page } from './html.js';
import { html, type Reply } from './replies.js';
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

const notFound = (title: string, what: string): string =>
  page(title, `<h1 id="not-found">${escapeHtml(what)}</h1><p class="muted"><a href="/_emulator/ui">all portals</a></p>`);

/**
 * One contact, where HubSpot's record page is (`/contacts/<hubId>/record/0-1/<id>`), so the
 * widget's "View in HubSpot" links open something in the demo: its properties, the custom ones
 * grouped as HubSpot's sidebar shows them.
 */
export function contactRecordPage(core: EmulatorCore, portal: PortalState | undefined, contactId: string): { status: number; text: string } {
  const contact = portal?.contacts.get(contactId);
  if (!portal || !contact || contact.archived) return { status: 404, text: notFound('Contact not found', `No contact ${contactId}${portal ? ` in portal ${portal.hubId}` : ''}`) };
  const email = contact.properties.get('email') ?? '';
  const active = [...portal.properties.values()].filter((property) => !property.archived && contact.properties.has(property.name));
  const groups = [...new Set(active.map((property) => property.groupName))].sort();
  const sections = groups
    .map((group) => {
      const label = portal.groups.get(group)?.label ?? group;
      const rows = active
        .filter((property) => property.groupName === group)
        .sort((a, b) => a.displayOrder - b.displayOrder || a.name.localeCompare(b.name))
        .map((p) => `<tr data-property="${escapeHtml(p.name)}"><th scope="row">${escapeHtml(p.label)}<br><code>${escapeHtml(p.name)}</code></th><td>${escapeHtml(contact.properties.get(p.name) ?? '')}</td></tr>`)
        .join('\n');
      return `<h2>${escapeHtml(label)}</h2>\n<table data-group="${escapeHtml(group)}"><tbody>\n${rows}\n</tbody></table>`;
    })
    .join('\n');
  const body = `<h1 id="contact-title">${escapeHtml(email || `Contact ${contact.id}`)} <span class="muted">contact ${escapeHtml(contact.id)} - ${escapeHtml(portal.name)} (hub ${portal.hubId})</span></h1>
<p class="muted">Created ${escapeHtml(core.iso(contact.createdAt))} · updated ${escapeHtml(core.iso(contact.updatedAt))}</p>
${sections}
<p class="muted"><a href="/_emulator/ui/portals/${portal.hubId}">all contacts</a></p>`;
  return { status: 200, text: page(`${email || contact.id} - ${portal.name}`, body) };
}

/**
 * The portal's contact properties, where HubSpot's property settings are
 * (`/property-settings/<hubId>/properties`), for the widget's link to the JobCannon group:
 * `?group=<name>` shows one group only.
 */
export function propertySettingsPage(portal: PortalState | undefined, group: string | null): { status: number; text: string } {
  if (!portal) return { status: 404, text: notFound('Portal not found', 'No such portal') };
  const properties = [...portal.properties.values()]
    .filter((property) => !property.archived && !property.hubspotDefined && (group === null || property.groupName === group))
    .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.displayOrder - b.displayOrder || a.name.localeCompare(b.name));
  const groupLabel = group === null ? null : (portal.groups.get(group)?.label ?? group);
  const rows = properties
    .map(
      (p) =>
        `<tr data-property="${escapeHtml(p.name)}"><td>${escapeHtml(p.label)}</td><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.type)} / ${escapeHtml(p.fieldType)}</td><td>${escapeHtml(portal.groups.get(p.groupName)?.label ?? p.groupName)}</td><td>${escapeHtml(p.description)}</td></tr>`,
    )
    .join('\n');
  const body = `<h1 id="properties-title">Contact properties${groupLabel ? ` - ${escapeHtml(groupLabel)}` : ''} <span class="muted">${escapeHtml(portal.name)} (hub ${portal.hubId})</span></h1>
<p id="property-count">${properties.length} propert${properties.length === 1 ? 'y' : 'ies'}</p>
${properties.length ? `<div class="scroll"><table id="properties"><thead><tr><th>Label</th><th>Name</th><th>Type</th><th>Group</th><th>Description</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>` : '<p id="no-properties" class="muted">No custom properties.</p>'}
<p class="muted"><a href="/_emulator/ui/portals/${portal.hubId}">contacts</a></p>`;
  return { status: 200, text: page(`Properties - ${portal.name} (${portal.hubId})`, body) };
}

const CONTACT_RECORD = /^\/contacts\/(?<hubId>\d+)\/record\/0-1\/(?<contactId>[^/]+)\/?$/;
const PROPERTY_SETTINGS = /^\/property-settings\/(?<hubId>\d+)\/properties\/?$/;

/** The reply for one of HubSpot's app pages (GET), or null when the request is not one. */
export function appPageReply(core: EmulatorCore, method: string, url: URL): Reply | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const record = CONTACT_RECORD.exec(url.pathname);
  if (record?.groups) {
    const { status, text } = contactRecordPage(core, core.state.portals.get(Number(record.groups.hubId)), decodeURIComponent(record.groups.contactId ?? ''));
    return html(status, text);
  }
  const settings = PROPERTY_SETTINGS.exec(url.pathname);
  if (settings?.groups) {
    const { status, text } = propertySettingsPage(core.state.portals.get(Number(settings.groups.hubId)), url.searchParams.get('group'));
    return html(status, text);
  }
  return null;
}
