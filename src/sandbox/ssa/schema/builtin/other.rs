//! Type table of the networking, policy, autoscaling, RBAC, coordination and apiextensions
//! kinds the sandbox serves.

pub(super) const TABLE: &str = r#"
Ingress: apiVersion kind metadata:ObjectMeta={} spec:IngressSpec={} status:IngressStatus={}
IngressSpec: defaultBackend:IngressBackend ingressClassName:s* rules:[IngressRule]
  tls:[IngressTLS]
IngressBackend: resource:TypedLocalObjectReference service:IngressServiceBackend
IngressServiceBackend: name="" port:ServiceBackendPort={}
ServiceBackendPort: name number:i
IngressRule: host http:HTTPIngressRuleValue
HTTPIngressRuleValue: paths:[HTTPIngressPath]^
HTTPIngressPath: backend:IngressBackend={} path pathType:s*
IngressTLS: hosts:[s] secretName
IngressStatus: loadBalancer:IngressLoadBalancerStatus={}
IngressLoadBalancerStatus: ingress:[IngressLoadBalancerIngress]
IngressLoadBalancerIngress: hostname ip ports:[IngressPortStatus]
IngressPortStatus: error:s* port:i=0 protocol=""
NetworkPolicy: apiVersion kind metadata:ObjectMeta={} spec:NetworkPolicySpec={}
NetworkPolicySpec: egress:[NetworkPolicyEgressRule] ingress:[NetworkPolicyIngressRule]
  podSelector:LabelSelector={} policyTypes:[s]
NetworkPolicyIngressRule: from:[NetworkPolicyPeer] ports:[NetworkPolicyPort]
NetworkPolicyEgressRule: ports:[NetworkPolicyPort] to:[NetworkPolicyPeer]
NetworkPolicyPeer: ipBlock:IPBlock namespaceSelector:LabelSelector podSelector:LabelSelector
IPBlock: cidr="" except:[s]
NetworkPolicyPort: endPort:i* port:ios* protocol:s*
PodDisruptionBudget: apiVersion kind metadata:ObjectMeta={} spec:PodDisruptionBudgetSpec={}
  status:PodDisruptionBudgetStatus={}
PodDisruptionBudgetSpec: maxUnavailable:ios* minAvailable:ios* selector:LabelSelector
  unhealthyPodEvictionPolicy:s*
PodDisruptionBudgetStatus: conditions:[Condition/type]@m currentHealthy:i=0 desiredHealthy:i=0
  disruptedPods:{time} disruptionsAllowed:i=0 expectedPods:i=0 observedGeneration:i
HorizontalPodAutoscaler: apiVersion kind metadata:ObjectMeta={}
  spec:HorizontalPodAutoscalerSpec={} status:HorizontalPodAutoscalerStatus={}
HorizontalPodAutoscalerSpec: behavior:HorizontalPodAutoscalerBehavior maxReplicas:i=0
  metrics:[MetricSpec] minReplicas:i* scaleTargetRef:CrossVersionObjectReference={}
CrossVersionObjectReference: apiVersion kind="" name=""
HorizontalPodAutoscalerBehavior: scaleDown:HPAScalingRules scaleUp:HPAScalingRules
HPAScalingRules: policies:[HPAScalingPolicy] selectPolicy:s* stabilizationWindowSeconds:i*
  tolerance:qty*
HPAScalingPolicy: periodSeconds:i=0 type="" value:i=0
MetricSpec: containerResource:ContainerResourceMetricSource external:ExternalMetricSource
  object:ObjectMetricSource pods:PodsMetricSource resource:ResourceMetricSource type=""
ContainerResourceMetricSource: container="" name="" target:MetricTarget={}
ExternalMetricSource: metric:MetricIdentifier={} target:MetricTarget={}
ObjectMetricSource: describedObject:CrossVersionObjectReference={} metric:MetricIdentifier={}
  target:MetricTarget={}
PodsMetricSource: metric:MetricIdentifier={} target:MetricTarget={}
ResourceMetricSource: name="" target:MetricTarget={}
MetricIdentifier: name="" selector:LabelSelector
MetricTarget: averageUtilization:i* averageValue:qty* type="" value:qty*
HorizontalPodAutoscalerStatus: conditions:[HorizontalPodAutoscalerCondition/type]@m
  currentMetrics:[MetricStatus] currentReplicas:i desiredReplicas:i=0 lastScaleTime:time*
  observedGeneration:i*
HorizontalPodAutoscalerCondition: lastTransitionTime:time^ message reason status="" type=""
MetricStatus: containerResource:ContainerResourceMetricStatus external:ExternalMetricStatus
  object:ObjectMetricStatus pods:PodsMetricStatus resource:ResourceMetricStatus type=""
ContainerResourceMetricStatus: container="" current:MetricValueStatus={} name=""
ExternalMetricStatus: current:MetricValueStatus={} metric:MetricIdentifier={}
ObjectMetricStatus: current:MetricValueStatus={} describedObject:CrossVersionObjectReference={}
  metric:MetricIdentifier={}
PodsMetricStatus: current:MetricValueStatus={} metric:MetricIdentifier={}
ResourceMetricStatus: current:MetricValueStatus={} name=""
MetricValueStatus: averageUtilization:i* averageValue:qty* value:qty*
Role: apiVersion kind metadata:ObjectMeta={} rules:[PolicyRule]^
ClusterRole: aggregationRule:AggregationRule apiVersion kind metadata:ObjectMeta={}
  rules:[PolicyRule]^
AggregationRule: clusterRoleSelectors:[LabelSelector]
PolicyRule: apiGroups:[s] nonResourceURLs:[s] resourceNames:[s] resources:[s] verbs:[s]^
RoleBinding: apiVersion kind metadata:ObjectMeta={} roleRef:RoleRef={} subjects:[Subject]
ClusterRoleBinding: apiVersion kind metadata:ObjectMeta={} roleRef:RoleRef={} subjects:[Subject]
RoleRef!: apiGroup="" kind="" name=""
Subject!: apiGroup kind="" name="" namespace
Lease: apiVersion kind metadata:ObjectMeta={} spec:LeaseSpec={}
LeaseSpec: acquireTime:time* holderIdentity:s* leaseDurationSeconds:i* leaseTransitions:i*
  preferredHolder:s* renewTime:time* strategy:s*
CustomResourceDefinition: apiVersion kind metadata:ObjectMeta={}
  spec:CustomResourceDefinitionSpec={} status:CustomResourceDefinitionStatus={}
CustomResourceDefinitionSpec: conversion:CustomResourceConversion group=""
  names:CustomResourceDefinitionNames={} preserveUnknownFields:b scope=""
  versions:[CustomResourceDefinitionVersion]^
CustomResourceConversion: strategy="" webhook:WebhookConversion
WebhookConversion: clientConfig:WebhookClientConfig conversionReviewVersions:[s]^
WebhookClientConfig: caBundle service:ServiceReference url:s*
ServiceReference: name="" namespace="" path:s* port:i*
CustomResourceDefinitionNames: categories:[s] kind="" listKind plural="" shortNames:[s] singular
CustomResourceDefinitionVersion: additionalPrinterColumns:[CustomResourceColumnDefinition]
  deprecated:b deprecationWarning:s* name="" schema:CustomResourceValidation
  selectableFields:[SelectableField] served:b=false storage:b=false
  subresources:CustomResourceSubresources
CustomResourceColumnDefinition: description format jsonPath="" name="" priority:i type=""
SelectableField: jsonPath=""
CustomResourceValidation: openAPIV3Schema:any
CustomResourceSubresources: scale:CustomResourceSubresourceScale status:Empty
CustomResourceSubresourceScale: labelSelectorPath:s* specReplicasPath="" statusReplicasPath=""
CustomResourceDefinitionStatus: acceptedNames:CustomResourceDefinitionNames={}
  conditions:[CustomResourceDefinitionCondition/type]@m^ storedVersions:[s]^
CustomResourceDefinitionCondition: lastTransitionTime:time^ message reason status="" type=""
"#;
