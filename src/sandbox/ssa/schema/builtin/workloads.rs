//! Type table of the `apps/v1` and `batch/v1` kinds.

pub(super) const TABLE: &str = r#"
Deployment: apiVersion kind metadata:ObjectMeta={} spec:DeploymentSpec={}
  status:DeploymentStatus={}
DeploymentSpec: minReadySeconds:i paused:b progressDeadlineSeconds:i* replicas:i*
  revisionHistoryLimit:i* selector:LabelSelector^ strategy:DeploymentStrategy={}@r
  template:PodTemplateSpec={}
DeploymentStrategy: rollingUpdate:RollingUpdateDeployment type
RollingUpdateDeployment: maxSurge:ios* maxUnavailable:ios*
DeploymentStatus: availableReplicas:i collisionCount:i* conditions:[DeploymentCondition/type]@m
  observedGeneration:i readyReplicas:i replicas:i terminatingReplicas:i* unavailableReplicas:i
  updatedReplicas:i
DeploymentCondition: lastTransitionTime:time^ lastUpdateTime:time^ message reason status=""
  type=""
StatefulSet: apiVersion kind metadata:ObjectMeta={} spec:StatefulSetSpec={}
  status:StatefulSetStatus={}
StatefulSetSpec: minReadySeconds:i ordinals:StatefulSetOrdinals
  persistentVolumeClaimRetentionPolicy:StatefulSetPersistentVolumeClaimRetentionPolicy
  podManagementPolicy replicas:i* revisionHistoryLimit:i* selector:LabelSelector^
  serviceName="" template:PodTemplateSpec={} updateStrategy:StatefulSetUpdateStrategy={}
  volumeClaimTemplates:[PersistentVolumeClaim]
StatefulSetOrdinals: start:i=0
StatefulSetPersistentVolumeClaimRetentionPolicy: whenDeleted whenScaled
StatefulSetUpdateStrategy: rollingUpdate:RollingUpdateStatefulSetStrategy type
RollingUpdateStatefulSetStrategy: maxUnavailable:ios* partition:i*
StatefulSetStatus: availableReplicas:i=0 collisionCount:i*
  conditions:[StatefulSetCondition/type]@m currentReplicas:i currentRevision
  observedGeneration:i readyReplicas:i replicas:i=0 updateRevision updatedReplicas:i
StatefulSetCondition: lastTransitionTime:time^ message reason status="" type=""
DaemonSet: apiVersion kind metadata:ObjectMeta={} spec:DaemonSetSpec={} status:DaemonSetStatus={}
DaemonSetSpec: minReadySeconds:i revisionHistoryLimit:i* selector:LabelSelector^
  template:PodTemplateSpec={} updateStrategy:DaemonSetUpdateStrategy={}
DaemonSetUpdateStrategy: rollingUpdate:RollingUpdateDaemonSet type
RollingUpdateDaemonSet: maxSurge:ios* maxUnavailable:ios*
DaemonSetStatus: collisionCount:i* conditions:[DaemonSetCondition/type]@m
  currentNumberScheduled:i=0 desiredNumberScheduled:i=0 numberAvailable:i numberMisscheduled:i=0
  numberReady:i=0 numberUnavailable:i observedGeneration:i updatedNumberScheduled:i
DaemonSetCondition: lastTransitionTime:time^ message reason status="" type=""
ReplicaSet: apiVersion kind metadata:ObjectMeta={} spec:ReplicaSetSpec={}
  status:ReplicaSetStatus={}
ReplicaSetSpec: minReadySeconds:i replicas:i* selector:LabelSelector^ template:PodTemplateSpec={}
ReplicaSetStatus: availableReplicas:i conditions:[ReplicaSetCondition/type]@m
  fullyLabeledReplicas:i observedGeneration:i readyReplicas:i replicas:i=0 terminatingReplicas:i*
ReplicaSetCondition: lastTransitionTime:time^ message reason status="" type=""
Job: apiVersion kind metadata:ObjectMeta={} spec:JobSpec={} status:JobStatus={}
JobSpec: activeDeadlineSeconds:i* backoffLimit:i* backoffLimitPerIndex:i* completionMode:s*
  completions:i* managedBy:s* manualSelector:b* maxFailedIndexes:i* parallelism:i*
  podFailurePolicy:PodFailurePolicy podReplacementPolicy:s* selector:LabelSelector
  successPolicy:SuccessPolicy suspend:b* template:PodTemplateSpec={} ttlSecondsAfterFinished:i*
JobStatus: active:i completedIndexes completionTime:time* conditions:[JobCondition]@m=type
  failed:i failedIndexes:s* ready:i* startTime:time* succeeded:i terminating:i*
  uncountedTerminatedPods:UncountedTerminatedPods
JobCondition: lastProbeTime:time^ lastTransitionTime:time^ message reason status="" type=""
UncountedTerminatedPods: failed:[s]set succeeded:[s]set
PodFailurePolicy: rules:[PodFailurePolicyRule]^
PodFailurePolicyRule: action="" onExitCodes:PodFailurePolicyOnExitCodesRequirement
  onPodConditions:[PodFailurePolicyOnPodConditionsPattern]
PodFailurePolicyOnExitCodesRequirement: containerName:s* operator="" values:[i]set^
PodFailurePolicyOnPodConditionsPattern: status="" type=""
SuccessPolicy: rules:[SuccessPolicyRule]^
SuccessPolicyRule: succeededCount:i* succeededIndexes:s*
CronJob: apiVersion kind metadata:ObjectMeta={} spec:CronJobSpec={} status:CronJobStatus={}
CronJobSpec: concurrencyPolicy failedJobsHistoryLimit:i* jobTemplate:JobTemplateSpec={}
  schedule="" startingDeadlineSeconds:i* successfulJobsHistoryLimit:i* suspend:b* timeZone:s*
JobTemplateSpec: metadata:ObjectMeta={} spec:JobSpec={}
CronJobStatus: active:[ObjectReference] lastScheduleTime:time* lastSuccessfulTime:time*
"#;
