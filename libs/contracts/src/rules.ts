// The validation rules the command classes repeat, each one decorator for a stack of class-validator (and
// class-transformer) decorators. A stack is applied as the same decorators written out one under the other
// would be (the last first), so the checks, their order and their messages are those of the written stack.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { ValidationOptions } from 'class-validator';

export function stack(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (let i = decorators.length - 1; i >= 0; i--) decorators[i](target, key);
  };
}

/** A string of at most `max` characters, and at least `min` when given (`@IsString() @MinLength @MaxLength`). */
export function Text(max: number, min?: number): PropertyDecorator {
  return min === undefined
    ? stack(IsString(), MaxLength(max))
    : stack(IsString(), MinLength(min), MaxLength(max));
}

/** An integer of at least `min`, and at most `max` when given (`@IsInt() @Min @Max`). */
export function Int(min: number, max?: number): PropertyDecorator {
  return max === undefined ? stack(IsInt(), Min(min)) : stack(IsInt(), Min(min), Max(max));
}

/** A list of at most `max` items, and at least `min` when given (`@IsArray() @ArrayMinSize @ArrayMaxSize`). */
export function List(max: number, min?: number): PropertyDecorator {
  return min === undefined
    ? stack(IsArray(), ArrayMaxSize(max))
    : stack(IsArray(), ArrayMinSize(min), ArrayMaxSize(max));
}

/** An object (or with `each`, a list of them) validated as the class `cls` gives (`@ValidateNested() @Type`). */
export function Nested(cls: () => new () => object, options?: ValidationOptions): PropertyDecorator {
  return stack(ValidateNested(options), Type(cls));
}
