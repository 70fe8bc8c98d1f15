// The OpenAPI definitions of the versions the front door serves by conversion
// (../converted-versions.ts), which have no proto of their own: Kubernetes' autoscaling/v1
// HorizontalPodAutoscaler (k8s.io/api/autoscaling/v1: HorizontalPodAutoscaler, its List, Spec,
// Status and CrossVersionObjectReference) written from the stored autoscaling/v2 definitions as
// lib/api/autoscaling-v1.ts converts the object: v2's metrics and behavior become
// targetCPUUtilizationPercentage, its status' currentMetrics and conditions
// currentCPUUtilizationPercentage. So kubectl explain and kubectl's client-side validation know v1.
import type { Definitions } from './schemas';
import type { Schema } from './kubernetes-types';

const V2 = 'io.k8s.api.autoscaling.v2';
const V1 = 'io.k8s.api.autoscaling.v1';

const int32 = (description: string): Schema => ({ description, format: 'int32', type: 'integer' });

/** `schema` with its refs to autoscaling/v2 definitions pointing at v1's (only the ones v1 has). */
function toV1Refs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replace(/#\/definitions\/io\.k8s\.api\.autoscaling\.v2\.(HorizontalPodAutoscaler(List|Spec|Status)?|CrossVersionObjectReference)"/g, `#/definitions/${V1}.$1"`)) as Schema;
}

function sorted(properties: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b)));
}

/** `defs` with the autoscaling/v1 HorizontalPodAutoscaler definitions beside v2's (kinds keyed "autoscaling/v1/<Kind>" in byKind). */
export function withConvertedDefinitions(defs: Definitions): Definitions {
  const d = defs.definitions;
  if (!d[`${V2}.HorizontalPodAutoscaler`]) return defs;
  const gvk = (kind: string) => [{ group: 'autoscaling', kind, version: 'v1' }];
  const { metrics: _metrics, behavior: _behavior, ...spec } = d[`${V2}.HorizontalPodAutoscalerSpec`].properties as Record<string, Schema>;
  const { currentMetrics: _current, conditions: _conditions, ...status } = d[`${V2}.HorizontalPodAutoscalerStatus`].properties as Record<string, Schema>;
  const added: Record<string, Schema> = {
    [`${V1}.HorizontalPodAutoscaler`]: { ...toV1Refs(d[`${V2}.HorizontalPodAutoscaler`]), description: 'configuration of a horizontal pod autoscaler.', 'x-kubernetes-group-version-kind': gvk('HorizontalPodAutoscaler') },
    [`${V1}.HorizontalPodAutoscalerList`]: { ...toV1Refs(d[`${V2}.HorizontalPodAutoscalerList`]), description: 'list of horizontal pod autoscaler objects.', 'x-kubernetes-group-version-kind': gvk('HorizontalPodAutoscalerList') },
    [`${V1}.HorizontalPodAutoscalerSpec`]: {
      description: 'specification of a horizontal pod autoscaler.',
      properties: sorted({
        ...toV1Refs({ ...spec }),
        targetCPUUtilizationPercentage: int32('targetCPUUtilizationPercentage is the target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.'),
      }),
      type: 'object',
    },
    [`${V1}.HorizontalPodAutoscalerStatus`]: {
      description: 'current status of a horizontal pod autoscaler',
      properties: sorted({
        ...status,
        currentCPUUtilizationPercentage: int32('currentCPUUtilizationPercentage is the current average CPU utilization over all pods, represented as a percentage of requested CPU, e.g. 70 means that an average pod is using now 70% of its requested CPU.'),
      }),
      type: 'object',
    },
    [`${V1}.CrossVersionObjectReference`]: { ...d[`${V2}.CrossVersionObjectReference`], description: 'CrossVersionObjectReference contains enough information to let you identify the referred resource.' },
  };
  const byKind = new Map(defs.byKind);
  byKind.set('autoscaling/v1/HorizontalPodAutoscaler', `${V1}.HorizontalPodAutoscaler`);
  byKind.set('autoscaling/v1/HorizontalPodAutoscalerList', `${V1}.HorizontalPodAutoscalerList`);
  return { definitions: Object.fromEntries(Object.entries({ ...d, ...added }).sort(([a], [b]) => a.localeCompare(b))), byKind };
}
