// A face-neutral list request: keyset pagination plus Kazoo-style filters, applied by a service's repository.
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches } from 'class-validator';
import { Int, List, Nested, Text } from './rules';

export const FILTER_OPS = ['eq', 'not', 'has_key', 'key_missing', 'has_value', 'missing_value'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** `paginate=false` still stops here: Kazoo answers 416 when an unpaginated listing grows too large. */
export const MAX_UNPAGINATED = 10000;

export class ListFilter {
  @IsIn(FILTER_OPS)
  op: FilterOp;

  @List(8)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { each: true })
  path: string[];

  @IsOptional()
  @Text(1024)
  value?: string;
}

export class ListQuery {
  @Int(1, MAX_PAGE_SIZE)
  pageSize: number = DEFAULT_PAGE_SIZE;

  @IsOptional()
  @Text(512)
  @Matches(/^[A-Za-z0-9_-]+$/)
  startKey?: string;

  @IsBoolean()
  descending: boolean = true;

  @IsBoolean()
  paginate: boolean = true;

  @List(32)
  @Nested(() => ListFilter, { each: true })
  filters: ListFilter[] = [];

  @IsOptional() @IsInt() createdFrom?: number;
  @IsOptional() @IsInt() createdTo?: number;
  @IsOptional() @IsInt() modifiedFrom?: number;
  @IsOptional() @IsInt() modifiedTo?: number;
}

export interface Page<T> {
  items: T[];
  startKey?: string;
  nextStartKey?: string;
}

export function encodeKey(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeKey(key: string): (string | number)[] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(key, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.every((p) => typeof p === 'string' || typeof p === 'number') ? v : undefined;
  } catch {
    return undefined;
  }
}
