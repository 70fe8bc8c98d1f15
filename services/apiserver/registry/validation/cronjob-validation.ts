// The CronJob's validation, as Kubernetes' pkg/apis/batch/validation (ValidateCronJobCreate):
// so far its metadata; the schedule, time zone and job template rules come with the CronJob controller.
import type { FieldCause } from '../../../../lib/api/errors';
import type { CronJob } from '../../../../lib/gen/kite/batch/v1/types';
import { validateMeta } from './validation';
import * as v from './validation-helpers';

export function validateCronJob(cj: CronJob): FieldCause[] {
  const c = new v.Causes();
  validateMeta(c, cj.metadata, true, 'subdomain');
  return c.list;
}
