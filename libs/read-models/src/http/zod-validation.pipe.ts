import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

export interface ValidationIssue {
  /** the offending field: `query.limit`, `path.accountId` */
  readonly field: string;
  readonly message: string;
}

/** The body of a 400: every issue, each naming its field, and a one-line message of them all. */
export interface ValidationErrorBody {
  readonly statusCode: 400;
  readonly error: 'Bad Request';
  readonly message: string;
  readonly issues: readonly ValidationIssue[];
}

function fieldOf(base: string, path: readonly PropertyKey[]): string {
  return [base, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
}

export function validationIssues(error: z.ZodError, base: string): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    // an unknown query parameter is reported under its own name
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: fieldOf(base, [...issue.path, key]), message: 'unknown parameter' }));
    return [{ field: fieldOf(base, issue.path), message: issue.message }];
  });
}

/** Validates a route's query or path parameter with a zod schema; a failure is a 400 naming the field. */
export class ZodValidationPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(
    private readonly schema: T,
    /** where the value comes from, prefixed to every field: 'query', 'path.accountId' */
    private readonly base: string,
  ) {}

  transform(value: unknown): z.output<T> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues = validationIssues(result.error, this.base);
    const body: ValidationErrorBody = {
      statusCode: 400,
      error: 'Bad Request',
      message: issues.map((i) => `${i.field}: ${i.message}`).join('; '),
      issues,
    };
    throw new BadRequestException(body);
  }
}
