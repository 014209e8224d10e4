import request from 'supertest';
import { auth, startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

const registration = {
  engineerId: 'eng-1001',
  name: '王师傅',
  phone: '13800138000',
  providerType: 'manufacturer',
  providerId: 'midea-sh',
  cities: ['shanghai'],
  categories: ['air_conditioner'],
};

describe.each(stores)('registering an engineer over HTTP (%s store)', (store) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp(store);
  });
  afterEach(async () => {
    await t.close();
  });

  it('records the registration and reads the engineer back', async () => {
    const created = await request(t.http).post('/engineers').set(auth('agent')).send(registration).expect(201);
    expect(created.body).toEqual({ id: 'eng-1001', revision: 0, position: expect.stringMatching(/^\d+$/) });
    const read = await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(200);
    expect(read.body).toMatchObject({ status: 'active', engineerId: 'eng-1001', name: '王师傅', dispatchable: false });
    expect(read.body.missing).toEqual(['real_name', 'safety', 'health', 'skill']);
  });

  it('assigns a UUID when the client gives no id', async () => {
    const { engineerId: _, ...withoutId } = registration;
    const created = await request(t.http).post('/engineers').set(auth('agent')).send(withoutId).expect(201);
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a second registration of the same id with 422 and records nothing', async () => {
    await request(t.http).post('/engineers').set(auth('agent')).send(registration).expect(201);
    const again = await request(t.http).post('/engineers').set(auth('agent')).send({ ...registration, name: 'other' }).expect(422);
    expect(again.body.error.code).toBe('ENGINEER_ALREADY_REGISTERED');
    const read = await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(200);
    expect(read.body).toMatchObject({ name: '王师傅', revision: 0 });
  });

  it('names each bad field and refuses unknown fields with 400', async () => {
    const res = await request(t.http)
      .post('/engineers')
      .set(auth('agent'))
      .send({ ...registration, providerType: 'freelancer', cities: 'shanghai', nickname: 'x' })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['providerType', 'cities', 'nickname']));
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('says a missing field is required, and a value of the wrong kind only that, not every range it then misses', async () => {
    const { name: _, ...unnamed } = registration;
    const res = await request(t.http).post('/engineers').set(auth('agent')).send({ ...unnamed, phone: 13800138000, cities: 'shanghai' }).expect(400);
    expect(res.body.error.details).toEqual([
      { field: 'name', message: 'name is required' },
      { field: 'phone', message: 'phone must be 5-20 digits (spaces, dashes and a leading + allowed)' },
      { field: 'cities', message: expect.stringMatching(/^cities must be an array/) },
    ]);
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('answers 400 for malformed JSON and 413 for a body over 100 kB, never 500', async () => {
    const bad = await request(t.http)
      .post('/engineers')
      .set(auth('agent'))
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const big = await request(t.http)
      .post('/engineers')
      .set(auth('agent'))
      .send({ ...registration, name: 'x'.repeat(120_000) })
      .expect(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(big.body.error.message).toBe('the request body is larger than the 100 kB limit');
    expect(bad.body.error.message).toBe('the request body is not valid JSON');
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('answers 415 for a body that is not JSON, reads an empty JSON body as {}, and refuses __proto__ keys', async () => {
    const send = (type: string, body: string) => request(t.http).post('/engineers').set(auth('agent')).set('Content-Type', type).send(body);
    const xml = await send('application/xml', '<engineer/>').expect(415);
    expect(xml.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request bodies must be application/json', details: [] });

    // No fields at all: the validation answers for each missing one, as it would for {}.
    const empty = await send('application/json', '').expect(400);
    expect(empty.body.error.code).toBe('VALIDATION_FAILED');
    expect(empty.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['name', 'phone', 'providerType']));

    const poisoned = await send('application/json', `{"__proto__": {"admin": true}, ${JSON.stringify(registration).slice(1)}`).expect(400);
    const forbiddenKey = 'the request body holds a key every object inherits (__proto__, constructor, toString ...), which is not accepted';
    expect(poisoned.body.error).toEqual({ code: 'VALIDATION_FAILED', message: forbiddenKey, details: [{ field: 'body', message: forbiddenKey }] });
    // Keys every object inherits would otherwise pass validation unseen and be dropped: refused, at any depth.
    for (const body of [{ ...registration, constructor: 'x' }, { ...registration, toString: 1 }, { ...registration, cities: ['shanghai'], nested: { valueOf: {} } }]) {
      const res = await send('application/json', JSON.stringify(body)).expect(400);
      expect(res.body.error.message).toBe(forbiddenKey);
    }
    // The same words as values are fine.
    await send('application/json', JSON.stringify({ ...registration, engineerId: 'eng-words', name: 'constructor' })).expect(201);
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('refuses bodies that are not UTF-8, or say another charset, rather than record replacement characters', async () => {
    // The bytes as given (supertest would otherwise write a Buffer out as JSON).
    const send = (type: string, body: Buffer) =>
      request(t.http).post('/engineers').set(auth('agent')).set('Content-Type', type).serialize((bytes: Buffer) => bytes as unknown as string).send(body);
    const latin1 = Buffer.from(JSON.stringify({ ...registration, name: 'Zoë' }), 'latin1');
    const notUtf8 = await send('application/json', latin1).expect(400);
    expect(notUtf8.body.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'the request body is not valid UTF-8',
      details: [{ field: 'body', message: 'the request body is not valid UTF-8' }],
    });
    const declared = await send('application/json; charset=iso-8859-1', latin1).expect(415);
    expect(declared.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    await send('application/json; charset=utf-16', Buffer.from(JSON.stringify(registration), 'utf16le')).expect(415);
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
    // UTF-8, declared or not, is read as sent.
    const utf8 = Buffer.from(JSON.stringify({ ...registration, engineerId: 'eng-utf8', name: 'Zoë 王' }), 'utf8');
    await send('application/json; charset="UTF-8"', utf8).expect(201);
    expect((await request(t.http).get('/engineers/eng-utf8').set(auth('agent')).expect(200)).body.name).toBe('Zoë 王');
  });

  it('refuses in the contract shape what never reaches a route: bare JSON values, arrays, deep nesting, text bodies, bad %-escapes, over-long paths', async () => {
    const refused = async (req: request.Test, status: number, code: string) => {
      const res = await req.expect(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(/\w+ \w+/);
    };
    const post = () => request(t.http).post('/engineers').set(auth('agent'));
    await refused(post().set('Content-Type', 'application/json').send('null'), 400, 'VALIDATION_FAILED');
    await refused(post().set('Content-Type', 'application/json').send('"eng-1001"'), 400, 'VALIDATION_FAILED');
    const array = await post().set('Content-Type', 'application/json').send(JSON.stringify([registration])).expect(400);
    expect(array.body.error.message).toBe('the request body must be a JSON object');
    const deep = await post().set('Content-Type', 'application/json').send(`{"name":${'['.repeat(40_000)}${']'.repeat(40_000)}}`).expect(400);
    expect(deep.body.error.message).toBe('the request body nests more than 32 levels deep');
    await refused(post().set('Content-Type', 'text/plain').send(JSON.stringify(registration)), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(request(t.http).get('/engineers/%ZZ').set(auth('agent')), 400, 'VALIDATION_FAILED');
    // An over-long id is refused by validation, naming the field.
    const long = await request(t.http).get(`/engineers/${'a'.repeat(150)}`).set(auth('agent')).expect(400);
    expect(long.body.error.details[0].field).toBe('id');
    // Past what the router takes as a path parameter, still a 400.
    await refused(request(t.http).get(`/engineers/${'a'.repeat(3_000)}`).set(auth('agent')), 400, 'VALIDATION_FAILED');
    // An empty body of another type is no body: the request reaches its route (here: no such engineer).
    await refused(request(t.http).post('/engineers/eng-1001/suspend').set(auth('supervisor')).set('Content-Type', 'application/x-www-form-urlencoded').send(''), 400, 'VALIDATION_FAILED');
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('answers 401 without a token or with an unknown one, and 403 for a role not allowed', async () => {
    expect((await request(t.http).post('/engineers').send(registration).expect(401)).body.error.code).toBe('UNAUTHENTICATED');
    await request(t.http).post('/engineers').set({ Authorization: 'Bearer nope' }).send(registration).expect(401);
    const forbidden = await request(t.http).post('/engineers').set(auth('customer')).send(registration).expect(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    await request(t.http).get('/engineers/eng-1001').set(auth('agent')).expect(404);
  });

  it('serves /health without a token, naming the store', async () => {
    const res = await request(t.http).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { eventStore: { status: 'up', kind: store } } });
  });
});
