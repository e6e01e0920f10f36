import { BadRequestException } from '@nestjs/common';
import { identifier } from '@ccp/contracts';
import { listDefaultsQuerySchema } from '../queries/read-model.views';
import { ZodValidationPipe } from './zod-validation.pipe';

function rejectionOf(pipe: ZodValidationPipe<never>, value: unknown): unknown {
  try {
    pipe.transform(value);
  } catch (error: unknown) {
    if (error instanceof BadRequestException) return error.getResponse();
    throw error;
  }
  throw new Error('expected a 400');
}

describe('ZodValidationPipe', () => {
  const query = new ZodValidationPipe(listDefaultsQuerySchema, 'query');

  it('passes valid query strings through as typed values', () => {
    expect(query.transform({ limit: '5', offset: '10', memberId: 'm-1' })).toEqual({ limit: 5, offset: 10, memberId: 'm-1' });
    expect(query.transform({})).toEqual({});
  });

  it('reports every bad field of a query at once, each named', () => {
    expect(rejectionOf(query as ZodValidationPipe<never>, { limit: '0', offset: 'x', sort: 'asc' })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringContaining('query.limit: must be at least 1'),
      issues: expect.arrayContaining([
        { field: 'query.limit', message: 'must be at least 1' },
        { field: 'query.offset', message: 'must be a whole number' },
        { field: 'query.sort', message: 'unknown parameter' },
      ]),
    });
  });

  it('names a path parameter', () => {
    const path = new ZodValidationPipe(identifier, 'path.accountId');
    expect(rejectionOf(path as ZodValidationPipe<never>, ' spaced')).toMatchObject({ issues: [{ field: 'path.accountId', message: expect.stringMatching(/letters, digits/) }] });
  });
});
