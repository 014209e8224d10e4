import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { requestLogOptions } from '../../src/http/request-log.js';

/** A server answering through the service's request log; the lines it writes are collected. */
function logged(level: string, answer: (res: ServerResponse) => void) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pinoHttp({ ...requestLogOptions(level), stream });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    log(req, res);
    answer(res);
  });
  return { server, lines };
}

describe('the request log', () => {
  it('writes one line per request with its id, method, path, status and time taken', async () => {
    const { server, lines } = logged('info', (res) => res.writeHead(201).end('{}'));
    await request(server).post('/orders/ord-1/payments?x=1').set('Idempotency-Key', 'pay-1').send({ amountFen: 100 }).expect(201);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/orders/ord-1/payments?x=1' }, res: { statusCode: 201 } });
    expect(typeof line!.responseTime).toBe('number');
    expect((line!.req as { id: unknown }).id).toBe(line!.reqId);
  });

  it('never writes headers or bodies: bearer tokens, idempotency keys and customers’ data stay out', async () => {
    const { server, lines } = logged('info', (res) => res.writeHead(200).end('{}'));
    await request(server)
      .post('/orders')
      .set('Authorization', 'Bearer secret-token-123')
      .set('Cookie', 'session=cookie-456')
      .set('Idempotency-Key', 'key-789')
      .send({ customer: { phone: '13900139000' } })
      .expect(200);

    const text = JSON.stringify(lines);
    expect(lines).toHaveLength(1);
    for (const secret of ['secret-token-123', 'cookie-456', 'key-789', '13900139000', 'headers']) expect(text).not.toContain(secret);
  });

  it('logs a server error at error level, naming the request, even where the level hides the rest', async () => {
    const { server, lines } = logged('warn', (res) => res.writeHead(500).end());
    await request(server).get('/orders/ord-2').set('Authorization', 'Bearer t').expect(500);

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request errored', req: { method: 'GET', url: '/orders/ord-2' }, res: { statusCode: 500 } });
    expect(JSON.stringify(lines)).not.toContain('Bearer');
  });

  it('leaves out health checks and metrics scrapes, and writes nothing below its level', async () => {
    const quiet = logged('info', (res) => res.writeHead(200).end());
    await request(quiet.server).get('/health').expect(200);
    await request(quiet.server).get('/metrics').expect(200);
    expect(quiet.lines).toEqual([]);

    const warn = logged('warn', (res) => res.writeHead(422).end());
    await request(warn.server).post('/orders').expect(422);
    expect(warn.lines).toEqual([]);
  });
});
