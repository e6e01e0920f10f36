import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTokenIssuerKeys, READ_API_TOKEN_AUDIENCE, TOKEN_ISSUER_PUBLIC_KEY_FILE } from '@ccp/contracts';
import { ConfigError, loadServiceConfig } from './service-config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const publicPem = (key = generateTokenIssuerKeys().publicKey) => key.export({ type: 'spki', format: 'pem' }).toString();
const problems = (env: Record<string, string>): string => {
  try {
    loadServiceConfig('margin', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
};

describe('service configuration: the read API authentication', () => {
  it('requires a token issuer key unless told otherwise, and says how to get one', () => {
    expect(problems({})).toMatch(/CCP_READ_API_JWT_PUBLIC_KEY_FILE: the read API requires bearer tokens;.*ccp tokens keys --out DIR.*CCP_READ_API_AUTH=off/);
  });

  it('takes the key from CCP_READ_API_JWT_PUBLIC_KEY_FILE, with audience and issuer', () => {
    const file = join(dir, 'idp.pem');
    writeFileSync(file, publicPem());
    const { readApi } = loadServiceConfig('margin', { CCP_READ_API_JWT_PUBLIC_KEY_FILE: file, CCP_READ_API_JWT_ISSUER: 'https://idp.example', CCP_READ_API_DOCS: 'off' });
    expect(readApi).toMatchObject({ auth: { mode: 'jwt', audience: READ_API_TOKEN_AUDIENCE, issuer: 'https://idp.example' }, docs: false });
  });

  it("else from the keys directory's read-api-issuer.public.pem", () => {
    writeFileSync(join(dir, TOKEN_ISSUER_PUBLIC_KEY_FILE), publicPem());
    const { readApi } = loadServiceConfig('margin', { CCP_JOURNAL_KEYS_DIR: dir, CCP_READ_API_JWT_AUDIENCE: 'venue-api' });
    expect(readApi).toMatchObject({ auth: { mode: 'jwt', audience: 'venue-api' }, docs: true });
    expect(problems({ CCP_JOURNAL_KEYS_DIR: join(dir, 'elsewhere') })).toMatch(/requires bearer tokens/);
  });

  it('a file that is no public key, or a key of an unsupported kind, is named', () => {
    const file = join(dir, 'junk.pem');
    writeFileSync(file, 'not a key');
    expect(problems({ CCP_READ_API_JWT_PUBLIC_KEY_FILE: file })).toMatch(/junk\.pem is not a usable public key/);
    writeFileSync(file, publicPem(generateKeyPairSync('x25519').publicKey));
    expect(problems({ CCP_READ_API_JWT_PUBLIC_KEY_FILE: file })).toMatch(/junk\.pem is not a usable public key \(.*not supported/);
    expect(problems({ CCP_READ_API_JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pem') })).toMatch(/missing\.pem does not exist/);
  });

  it('CCP_READ_API_AUTH=off needs no key; anything but jwt|off is refused', () => {
    expect(loadServiceConfig('margin', { CCP_READ_API_AUTH: 'off' }).readApi.auth).toEqual({ mode: 'off' });
    expect(problems({ CCP_READ_API_AUTH: 'none' })).toMatch(/CCP_READ_API_AUTH: /);
  });
});

describe('service configuration: Kafka connection security', () => {
  const withAuthOff = (env: Record<string, string>) => ({ CCP_READ_API_AUTH: 'off', ...env });

  it('plaintext by default; SASL_SSL with a CA, a user and a password file', () => {
    expect(loadServiceConfig('margin', withAuthOff({})).kafkaSecurity).toBe('PLAINTEXT');
    const ca = join(dir, 'ca.pem');
    const password = join(dir, 'password');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    writeFileSync(password, 's3cret\n');
    const env = withAuthOff({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SSL_CA_FILE: ca, KAFKA_SASL_USERNAME: 'ccp-margin', KAFKA_SASL_PASSWORD_FILE: password });
    expect(loadServiceConfig('margin', env).kafkaSecurity).toBe('SASL_SSL');
  });

  it('every problem is named: a missing user and password, an unreadable CA, TLS files without TLS', () => {
    const message = problems(withAuthOff({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SSL_CA_FILE: join(dir, 'nope.pem') }));
    expect(message).toMatch(/KAFKA_SSL_CA_FILE: cannot read .*nope\.pem \(ENOENT\)/);
    expect(message).toMatch(/KAFKA_SASL_USERNAME is required with SASL_SSL/);
    expect(message).toMatch(/KAFKA_SASL_PASSWORD_FILE \(or KAFKA_SASL_PASSWORD\) is required/);
    expect(problems(withAuthOff({ KAFKA_SSL_CA_FILE: 'x' }))).toMatch(/KAFKA_SSL_CA_FILE set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/);
    expect(problems(withAuthOff({ KAFKA_SECURITY_PROTOCOL: 'TLS' }))).toMatch(/KAFKA_SECURITY_PROTOCOL must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; got 'TLS'/);
    expect(problems(withAuthOff({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }))).toMatch(/PLAIN sends the password in clear/);
  });
});

describe('service configuration: logs and telemetry', () => {
  const withAuthOff = (env: Record<string, string>) => ({ CCP_READ_API_AUTH: 'off', ...env });

  const levels: Array<[Record<string, string>, string]> = [[{}, 'info'], ...['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level): [Record<string, string>, string] => [{ CCP_LOG_LEVEL: level }, level])];
  it.each(levels)('CCP_LOG_LEVEL %j gives level %s', (env, level) => {
    expect(loadServiceConfig('margin', withAuthOff(env)).logLevel).toBe(level);
  });

  it.each(['verbose', 'INFO', 'log', 'silent', '30'])('CCP_LOG_LEVEL=%s is refused, naming the levels', (level) => {
    expect(problems(withAuthOff({ CCP_LOG_LEVEL: level }))).toMatch(/CCP_LOG_LEVEL: .*"fatal".*"error".*"warn".*"info".*"debug".*"trace"/);
  });

  it('the OpenTelemetry settings: service name, collector, push interval, the SDK switched off', () => {
    expect(loadServiceConfig('liquidation', withAuthOff({})).otel).toEqual({ serviceName: 'ccp-liquidation', endpoint: undefined, metricExportIntervalMs: undefined, disabled: false });
    const env = withAuthOff({ OTEL_SERVICE_NAME: 'ccp-liquidation-b', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_METRIC_EXPORT_INTERVAL: '2000', OTEL_SDK_DISABLED: 'true' });
    expect(loadServiceConfig('liquidation', env).otel).toEqual({ serviceName: 'ccp-liquidation-b', endpoint: 'http://collector:4318', metricExportIntervalMs: 2000, disabled: true });
    for (const interval of ['0', '99', '1.5', 'soon', '3600001']) expect(problems(withAuthOff({ OTEL_METRIC_EXPORT_INTERVAL: interval }))).toMatch(/OTEL_METRIC_EXPORT_INTERVAL: /);
    expect(problems(withAuthOff({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }))).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT: /);
  });
});
