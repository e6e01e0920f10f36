import { parseServiceConfig, ServiceConfigError } from './service-config';

const VALID = {
  KAFKA_BROKERS: '127.0.0.1:19092, broker-2:9092',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ccp',
  HTTP_PORT: '3001',
  CCP_TOPIC_NAMESPACE: 'it.run-7',
  SERVICE_NAME: 'ccp-margin',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
};

function problemsOf(env: Record<string, string | undefined>): Record<string, string> {
  try {
    parseServiceConfig(env);
  } catch (error: unknown) {
    if (error instanceof ServiceConfigError) return Object.fromEntries(error.problems.map((p) => [p.variable, p.message]));
    throw error;
  }
  throw new Error('expected a ServiceConfigError');
}

describe('parseServiceConfig', () => {
  it('reads a valid environment into typed values', () => {
    expect(parseServiceConfig(VALID)).toEqual({
      kafkaBrokers: ['127.0.0.1:19092', 'broker-2:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/ccp',
      httpPort: 3001,
      topicNamespace: 'it.run-7',
      serviceName: 'ccp-margin',
      otlpEndpoint: 'http://127.0.0.1:4318',
    });
  });

  it('treats the OTLP endpoint as optional and the namespace as empty by default; port 0 is an ephemeral port', () => {
    const { OTEL_EXPORTER_OTLP_ENDPOINT: _o, CCP_TOPIC_NAMESPACE: _n, ...rest } = VALID;
    expect(parseServiceConfig({ ...rest, HTTP_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toMatchObject({ otlpEndpoint: null, topicNamespace: '', httpPort: 0 });
  });

  it('names every missing variable at once', () => {
    expect(problemsOf({})).toEqual({
      KAFKA_BROKERS: expect.stringMatching(/^required/),
      DATABASE_URL: expect.stringMatching(/^required/),
      HTTP_PORT: expect.stringMatching(/^required/),
      SERVICE_NAME: expect.stringMatching(/^required/),
    });
  });

  it.each([
    ['KAFKA_BROKERS', '127.0.0.1', /not host:port/],
    ['KAFKA_BROKERS', 'a:1,b:99999', /'b:99999' is not host:port/],
    ['DATABASE_URL', 'not a url', /not a URL/],
    ['DATABASE_URL', 'mysql://h:3306/ccp', /postgres:\/\//],
    ['DATABASE_URL', 'postgres://h:5432', /name the database/],
    ['HTTP_PORT', '80a', /whole number/],
    ['HTTP_PORT', '70000', /0–65535/],
    ['CCP_TOPIC_NAMESPACE', 'has space', /Kafka topic characters/],
    ['SERVICE_NAME', 'Margin_Service', /lower-case/],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317', /http\(s\)/],
  ])('%s=%s is refused with a message naming it', (variable, value, message) => {
    expect(problemsOf({ ...VALID, [variable]: value })).toEqual({ [variable]: expect.stringMatching(message) });
  });

  it('lists every bad variable in the error message, one a line', () => {
    expect(() => parseServiceConfig({ ...VALID, HTTP_PORT: 'x', SERVICE_NAME: '' })).toThrow(/invalid service configuration:\n {2}HTTP_PORT: .*\n {2}SERVICE_NAME: required/);
  });
});
