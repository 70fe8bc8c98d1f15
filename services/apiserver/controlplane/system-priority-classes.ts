// Creates the built-in PriorityClasses system-node-critical and system-cluster-critical when the
// apiserver starts, as kube-apiserver's "scheduling/bootstrap-system-priority-classes" post-start
// hook does: a missing class is created, an existing one is left as it is.
import { isAlreadyExists } from '../../../lib/api/errors';
import { SYSTEM_PRIORITY_CLASSES } from '../../../lib/api/priority-classes';
import { PriorityClass } from '../../../lib/gen/kite/scheduling/v1/types';
import { logger } from '../../../lib/log';

/** What the hook needs of the PriorityClass registry. */
export interface PriorityClassCreator {
  create(namespace: string | undefined, input: PriorityClass): Promise<PriorityClass>;
}

export async function ensureSystemPriorityClasses(classes: PriorityClassCreator): Promise<void> {
  for (const s of SYSTEM_PRIORITY_CLASSES) {
    try {
      await classes.create('', PriorityClass.fromPartial({ metadata: { name: s.name }, value: s.value, description: s.description }));
      logger('apiserver').info({ name: s.name, value: s.value }, 'created system PriorityClass');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
}
