//! Type table of `meta/v1` and the non-pod `core/v1` kinds the sandbox serves.

pub(super) const TABLE: &str = r#"
ObjectMeta: annotations:{s} creationTimestamp:time^ deletionGracePeriodSeconds:i*
  deletionTimestamp:time* finalizers:[s]set@m generateName generation:i labels:{s}
  managedFields:[ManagedFieldsEntry] name namespace ownerReferences:[OwnerReference/uid]@m
  resourceVersion selfLink uid
OwnerReference!: apiVersion="" blockOwnerDeletion:b* controller:b* kind="" name="" uid=""
ManagedFieldsEntry: apiVersion fieldsType fieldsV1:any manager operation subresource time:time*
LabelSelector!: matchExpressions:[LabelSelectorRequirement] matchLabels:{s}
LabelSelectorRequirement: key="" operator="" values:[s]
Condition: lastTransitionTime:time^ message="" observedGeneration:i reason="" status="" type=""
LocalObjectReference!: name
ObjectReference!: apiVersion fieldPath kind name namespace resourceVersion uid
TypedLocalObjectReference!: apiGroup:s* kind="" name=""
TypedObjectReference: apiGroup:s* kind="" name="" namespace:s*
Empty:
Namespace: apiVersion kind metadata:ObjectMeta={} spec:NamespaceSpec={} status:NamespaceStatus={}
NamespaceSpec: finalizers:[s]
NamespaceStatus: conditions:[NamespaceCondition/type]@m phase
NamespaceCondition: lastTransitionTime:time^ message reason status="" type=""
ConfigMap: apiVersion binaryData:{s} data:{s} immutable:b* kind metadata:ObjectMeta={}
Secret: apiVersion data:{s} immutable:b* kind metadata:ObjectMeta={} stringData:{s} type
ServiceAccount: apiVersion automountServiceAccountToken:b* imagePullSecrets:[LocalObjectReference]
  kind metadata:ObjectMeta={} secrets:[ObjectReference/name]@m
Service: apiVersion kind metadata:ObjectMeta={} spec:ServiceSpec={} status:ServiceStatus={}
ServiceSpec: allocateLoadBalancerNodePorts:b* clusterIP clusterIPs:[s] externalIPs:[s]
  externalName externalTrafficPolicy healthCheckNodePort:i internalTrafficPolicy:s*
  ipFamilies:[s] ipFamilyPolicy:s* loadBalancerClass:s* loadBalancerIP
  loadBalancerSourceRanges:[s] ports:[ServicePort/port,protocol]@m publishNotReadyAddresses:b
  selector:{s}a sessionAffinity sessionAffinityConfig:SessionAffinityConfig
  trafficDistribution:s* type
ServicePort: appProtocol:s* name nodePort:i port:i=0 protocol=TCP targetPort:ios=0
ServiceStatus: conditions:[Condition/type]@m loadBalancer:LoadBalancerStatus={}
LoadBalancerStatus: ingress:[LoadBalancerIngress]
LoadBalancerIngress: hostname ip ipMode:s* ports:[PortStatus]
PortStatus: error:s* port:i=0 protocol=""
SessionAffinityConfig: clientIP:ClientIPConfig
ClientIPConfig: timeoutSeconds:i*
PersistentVolumeClaim: apiVersion kind metadata:ObjectMeta={} spec:PersistentVolumeClaimSpec={}
  status:PersistentVolumeClaimStatus={}
PersistentVolumeClaimSpec: accessModes:[s] dataSource:TypedLocalObjectReference
  dataSourceRef:TypedObjectReference resources:VolumeResourceRequirements={}
  selector:LabelSelector storageClassName:s* volumeAttributesClassName:s* volumeMode:s*
  volumeName
VolumeResourceRequirements: limits:{qty} requests:{qty}
PersistentVolumeClaimStatus: accessModes:[s] allocatedResourceStatuses:{s}
  allocatedResources:{qty} capacity:{qty} conditions:[PersistentVolumeClaimCondition/type]@m
  currentVolumeAttributesClassName:s* modifyVolumeStatus:ModifyVolumeStatus phase
PersistentVolumeClaimCondition: lastProbeTime:time^ lastTransitionTime:time^ message reason
  status="" type=""
ModifyVolumeStatus: status="" targetVolumeAttributesClassName
Event: action apiVersion count:i eventTime:time^ firstTimestamp:time^
  involvedObject:ObjectReference={} kind lastTimestamp:time^ message metadata:ObjectMeta={}
  reason related:ObjectReference reportingComponent="" reportingInstance="" series:EventSeries
  source:EventSource={} type
EventSeries: count:i lastObservedTime:time^
EventSource: component host
"#;
