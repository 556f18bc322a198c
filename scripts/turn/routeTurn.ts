/**
 * Sends one browser context's TURN traffic through the line emulator: its peer tickets are
 * rewritten on the way in so that their TURN URLs name the emulator's port instead of coturn's
 * (the credentials stay the ticket's). With relay-only ICE, all of that context's media then
 * crosses the emulated line, as if its own network were the weak one.
 */
import type { BrowserContext } from 'playwright-core';

export async function routeTurnThrough(context: BrowserContext, turnPort: number, emulatorPort: number): Promise<void> {
  await context.route('**/api/room/*/peer-ticket', async (route) => {
    const response = await route.fetch();
    const ticket = (await response.json()) as { iceServers: { urls: string | string[] }[] };
    for (const server of ticket.iceServers) {
      server.urls = [server.urls].flat().map((u) => u.replace(`127.0.0.1:${turnPort}`, `127.0.0.1:${emulatorPort}`));
    }
    await route.fulfill({ response, json: ticket });
  });
}
