import { strict as assert } from 'node:assert';
import { AlreadyExistsError, InvalidError, NotFoundError } from '../../../lib/api/errors';
import { CliError, formatError } from '../../../services/kitectl/cli-errors';

describe('error wording', () => {
  it('words server errors as kubectl does', () => {
    assert.equal(formatError(new NotFoundError('pods "x" not found')), 'Error from server (NotFound): pods "x" not found');
    assert.equal(
      formatError(new AlreadyExistsError('pods "x" already exists'), 'error when creating "p.yaml": '),
      'Error from server (AlreadyExists): error when creating "p.yaml": pods "x" already exists',
    );
  });

  it('words validation errors as "The X is invalid", one bullet per field when several', () => {
    const one = InvalidError.of('Pod "x"', [{ field: 'spec.containers[0].image', message: 'Required value' }]);
    assert.equal(formatError(one), 'The Pod "x" is invalid: spec.containers[0].image: Required value');
    const two = InvalidError.of('Pod "x"', [
      { field: 'metadata.name', message: 'Invalid value: "X"' },
      { field: 'spec.containers[0].image', message: 'Required value' },
    ]);
    assert.equal(formatError(two), 'The Pod "x" is invalid: \n* metadata.name: Invalid value: "X"\n* spec.containers[0].image: Required value');
  });

  it('prefixes local errors with "error:"', () => {
    assert.equal(formatError(new CliError('the path "x" does not exist')), 'error: the path "x" does not exist');
  });
});
