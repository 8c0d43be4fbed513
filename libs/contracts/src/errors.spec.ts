import { DomainError, ErrorCode } from './errors';

describe('DomainError', () => {
  it('invalid: 400 invalid data naming the field and rule, with the cause only when given', () => {
    expect(
      DomainError.invalid('members', 'not_found', 'Every member must be a user', ['x']).toBody(),
    ).toEqual({
      code: ErrorCode.ValidationFailed,
      message: 'invalid data',
      details: { members: { not_found: { message: 'Every member must be a user', cause: ['x'] } } },
    });
    expect(DomainError.invalid('username', 'required', 'A username is required').details).toStrictEqual({
      username: { required: { message: 'A username is required' } },
    });
  });

  it('taken: 409 invalid data, rule unique with the value; forbidden: 403 with its message', () => {
    expect(DomainError.taken('mailbox', 'Mailbox number is already in use', '3000').toBody()).toEqual({
      code: ErrorCode.Conflict,
      message: 'invalid data',
      details: { mailbox: { unique: { message: 'Mailbox number is already in use', cause: '3000' } } },
    });
    expect(DomainError.forbidden('no').toBody()).toStrictEqual({ code: ErrorCode.Forbidden, message: 'no' });
  });
});
