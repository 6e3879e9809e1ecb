import { HubSpotKitError } from '../errors.js';
import type { Fetch, Logger, Notification, Notifier } from '../ports/ports.js';
import { silentLogger } from '../ports/ports.js';

export interface TelegramNotifierOptions {
  botToken: string;
  /** Where alerts go: one chat, or a function choosing the org owner's chat (null = skip). */
  chatId: string | ((notification: Notification) => string | null | Promise<string | null>);
  /** Default https://api.telegram.org (configurable for tests and proxies). */
  apiBase?: string;
  fetch?: Fetch;
  logger?: Logger;
  timeoutMs?: number;
}

/** Sends alerts with the Telegram Bot API's sendMessage. The bot token is never logged. */
export function createTelegramNotifier(options: TelegramNotifierOptions): Notifier {
  if (!options.botToken) throw new HubSpotKitError('INVALID_OPTIONS', 'createTelegramNotifier needs a botToken');
  const apiBase = (options.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const logger = options.logger ?? silentLogger;
  return {
    async notify(notification) {
      const chatId = typeof options.chatId === 'function' ? await options.chatId(notification) : options.chatId;
      if (!chatId) return;
      const title = notification.kind === 'must_reconnect' ? '⚠️ HubSpot needs reconnecting' : '✅ HubSpot reconnected';
      const response = await fetchImpl(`${apiBase}/bot${options.botToken}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: chatId, text: `${title}\n${notification.text}`, disable_web_page_preview: true }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const body = (await response.json().catch(() => ({}))) as { ok?: boolean; description?: string };
      if (!response.ok || body.ok === false) {
        logger.warn('telegram alert was not accepted', { status: response.status, description: body.description ?? null, orgId: notification.orgId });
        throw new HubSpotKitError('INTERNAL', `Telegram refused the alert (HTTP ${response.status}${body.description ? `: ${body.description}` : ''})`);
      }
    },
  };
}
