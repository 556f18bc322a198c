import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor, readIceConfig, TURN_CREDENTIAL_TTL_S } from './turnCredentials.ts';

describe('§8 ICE and TURN configuration', () => {
  it('no setting: no ICE server', () => {
    expect(iceServersFor(readIceConfig({}), 'p1')).toEqual([]);
  });

  it('TURN_SECRET + TURN_URLS: coturn REST credentials that expire', () => {
    const config = readIceConfig({
      ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"}]',
      TURN_URLS: 'turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349',
      TURN_SECRET: 's3cret',
    });
    const servers = iceServersFor(config, 'p1', 1_000_000);
    expect(servers[0]).toEqual({ urls: 'stun:stun.example.org:3478' });
    const turn = servers[1]!;
    expect(turn.urls).toEqual(['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349']);
    expect(turn.username).toBe(`${1000 + TURN_CREDENTIAL_TTL_S}:p1`);
    expect(turn.credential).toBe(createHmac('sha1', 's3cret').update(turn.username!).digest('base64'));
  });

  it('a malformed ICE_SERVERS is refused at start', () => {
    expect(() => readIceConfig({ ICE_SERVERS: '{"urls":"x"}' })).toThrow(/ICE_SERVERS/);
  });

  it('ICE_TRANSPORT_POLICY: all by default, relay on demand, nothing else', () => {
    const turn = { TURN_URLS: 'turn:turn.example.org:3478', TURN_SECRET: 's3cret' };
    expect(readIceConfig({}).transportPolicy).toBe('all');
    expect(readIceConfig({ ...turn, ICE_TRANSPORT_POLICY: 'relay' }).transportPolicy).toBe('relay');
    expect(readIceConfig({ ICE_SERVERS: '[{"urls":["turn:t.example.org"],"username":"u","credential":"c"}]', ICE_TRANSPORT_POLICY: 'relay' }).transportPolicy).toBe('relay');
    expect(() => readIceConfig({ ...turn, ICE_TRANSPORT_POLICY: 'Relay' })).toThrow(/ICE_TRANSPORT_POLICY/);
    // Relay only and no TURN server: no call could ever connect, so the server does not start.
    expect(() => readIceConfig({ ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/needs a TURN server/);
    expect(() => readIceConfig({ ICE_SERVERS: '[{"urls":"stun:s.example.org"}]', ICE_TRANSPORT_POLICY: 'relay' })).toThrow(/needs a TURN server/);
  });
});
