//! Type table of the pod template (shared by Pod and every workload kind).
//!
//! List types and keys follow the `+listType` / `+listMapKey` markers of `k8s.io/api/core/v1`
//! (as published in client-go's apply-configuration schema); `@m` marks `patchStrategy=merge`.

pub(super) const TABLE: &str = r#"
Pod: apiVersion kind metadata:ObjectMeta={} spec:PodSpec={} status:PodStatus={}
PodTemplateSpec: metadata:ObjectMeta={} spec:PodSpec={}
PodSpec: activeDeadlineSeconds:i* affinity:Affinity automountServiceAccountToken:b*
  containers:[Container/name]^@m dnsConfig:PodDNSConfig dnsPolicy enableServiceLinks:b*
  ephemeralContainers:[EphemeralContainer/name]@m hostAliases:[HostAlias/ip]@m hostIPC:b
  hostNetwork:b hostPID:b hostUsers:b* hostname imagePullSecrets:[LocalObjectReference/name]@m
  initContainers:[Container/name]@m nodeName nodeSelector:{s}a os:PodOS overhead:{qty}
  preemptionPolicy:s* priority:i* priorityClassName readinessGates:[PodReadinessGate]
  resourceClaims:[PodResourceClaim/name]@mr resources:ResourceRequirements restartPolicy
  runtimeClassName:s* schedulerName schedulingGates:[PodSchedulingGate/name]@m
  securityContext:PodSecurityContext serviceAccount serviceAccountName setHostnameAsFQDN:b*
  shareProcessNamespace:b* subdomain terminationGracePeriodSeconds:i* tolerations:[Toleration]
  topologySpreadConstraints:[TopologySpreadConstraint/topologyKey,whenUnsatisfiable]@m
  volumes:[Volume/name]@mr
Container: args:[s] command:[s] env:[EnvVar/name]@m envFrom:[EnvFromSource] image imagePullPolicy
  lifecycle:Lifecycle livenessProbe:Probe name="" ports:[ContainerPort/containerPort,protocol]@m
  readinessProbe:Probe resizePolicy:[ContainerResizePolicy] resources:ResourceRequirements={}
  restartPolicy:s* securityContext:SecurityContext startupProbe:Probe stdin:b stdinOnce:b
  terminationMessagePath terminationMessagePolicy tty:b
  volumeDevices:[VolumeDevice/devicePath]@m volumeMounts:[VolumeMount/mountPath]@m workingDir
EphemeralContainer: args:[s] command:[s] env:[EnvVar/name]@m envFrom:[EnvFromSource] image
  imagePullPolicy lifecycle:Lifecycle livenessProbe:Probe name=""
  ports:[ContainerPort/containerPort,protocol]@m readinessProbe:Probe
  resizePolicy:[ContainerResizePolicy] resources:ResourceRequirements={} restartPolicy:s*
  securityContext:SecurityContext startupProbe:Probe stdin:b stdinOnce:b targetContainerName
  terminationMessagePath terminationMessagePolicy tty:b
  volumeDevices:[VolumeDevice/devicePath]@m volumeMounts:[VolumeMount/mountPath]@m workingDir
ContainerPort: containerPort:i=0 hostIP hostPort:i name protocol=TCP
EnvVar: name="" value valueFrom:EnvVarSource
EnvVarSource: configMapKeyRef:ConfigMapKeySelector fieldRef:ObjectFieldSelector
  resourceFieldRef:ResourceFieldSelector secretKeyRef:SecretKeySelector
ConfigMapKeySelector!: key="" name optional:b*
SecretKeySelector!: key="" name optional:b*
ObjectFieldSelector!: apiVersion fieldPath=""
ResourceFieldSelector!: containerName divisor:qty="0" resource=""
EnvFromSource: configMapRef:ConfigMapEnvSource prefix secretRef:SecretEnvSource
ConfigMapEnvSource: name optional:b*
SecretEnvSource: name optional:b*
ResourceRequirements: claims:[ResourceClaim/name] limits:{qty} requests:{qty}
ResourceClaim: name="" request
VolumeMount: mountPath="" mountPropagation:s* name="" readOnly:b recursiveReadOnly:s* subPath
  subPathExpr
VolumeDevice: devicePath="" name=""
Probe: exec:ExecAction failureThreshold:i grpc:GRPCAction httpGet:HTTPGetAction
  initialDelaySeconds:i periodSeconds:i successThreshold:i tcpSocket:TCPSocketAction
  terminationGracePeriodSeconds:i* timeoutSeconds:i
ExecAction: command:[s]
HTTPGetAction: host httpHeaders:[HTTPHeader] path port:ios=0 scheme
HTTPHeader: name="" value=""
TCPSocketAction: host port:ios=0
GRPCAction: port:i=0 service:s*^
Lifecycle: postStart:LifecycleHandler preStop:LifecycleHandler stopSignal:s*
LifecycleHandler: exec:ExecAction httpGet:HTTPGetAction sleep:SleepAction tcpSocket:TCPSocketAction
SleepAction: seconds:i=0
SecurityContext: allowPrivilegeEscalation:b* appArmorProfile:AppArmorProfile
  capabilities:Capabilities privileged:b* procMount:s* readOnlyRootFilesystem:b* runAsGroup:i*
  runAsNonRoot:b* runAsUser:i* seLinuxOptions:SELinuxOptions seccompProfile:SeccompProfile
  windowsOptions:WindowsSecurityContextOptions
Capabilities: add:[s] drop:[s]
SELinuxOptions: level role type user
SeccompProfile: localhostProfile:s* type=""
AppArmorProfile: localhostProfile:s* type=""
WindowsSecurityContextOptions: gmsaCredentialSpec:s* gmsaCredentialSpecName:s* hostProcess:b*
  runAsUserName:s*
ContainerResizePolicy: resourceName="" restartPolicy=""
PodSecurityContext: appArmorProfile:AppArmorProfile fsGroup:i* fsGroupChangePolicy:s*
  runAsGroup:i* runAsNonRoot:b* runAsUser:i* seLinuxChangePolicy:s* seLinuxOptions:SELinuxOptions
  seccompProfile:SeccompProfile supplementalGroups:[i] supplementalGroupsPolicy:s*
  sysctls:[Sysctl] windowsOptions:WindowsSecurityContextOptions
Sysctl: name="" value=""
Affinity: nodeAffinity:NodeAffinity podAffinity:PodAffinity podAntiAffinity:PodAntiAffinity
NodeAffinity: preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm]
  requiredDuringSchedulingIgnoredDuringExecution:NodeSelector
NodeSelector!: nodeSelectorTerms:[NodeSelectorTerm]^
NodeSelectorTerm!: matchExpressions:[NodeSelectorRequirement] matchFields:[NodeSelectorRequirement]
NodeSelectorRequirement: key="" operator="" values:[s]
PreferredSchedulingTerm: preference:NodeSelectorTerm={} weight:i=0
PodAffinity: preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]
  requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm]
PodAntiAffinity: preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]
  requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm]
PodAffinityTerm: labelSelector:LabelSelector matchLabelKeys:[s] mismatchLabelKeys:[s]
  namespaceSelector:LabelSelector namespaces:[s] topologyKey=""
WeightedPodAffinityTerm: podAffinityTerm:PodAffinityTerm={} weight:i=0
Toleration: effect key operator tolerationSeconds:i* value
HostAlias: hostnames:[s] ip=""
PodDNSConfig: nameservers:[s] options:[PodDNSConfigOption] searches:[s]
PodDNSConfigOption: name value:s*
PodReadinessGate: conditionType=""
TopologySpreadConstraint: labelSelector:LabelSelector matchLabelKeys:[s] maxSkew:i=0
  minDomains:i* nodeAffinityPolicy:s* nodeTaintsPolicy:s* topologyKey="" whenUnsatisfiable=""
PodOS: name=""
PodSchedulingGate: name=""
PodResourceClaim: name="" resourceClaimName:s* resourceClaimTemplateName:s*
Volume: name="" awsElasticBlockStore:any azureDisk:any azureFile:any cephfs:any cinder:any
  configMap:ConfigMapVolumeSource csi:CSIVolumeSource downwardAPI:DownwardAPIVolumeSource
  emptyDir:EmptyDirVolumeSource ephemeral:EphemeralVolumeSource fc:any flexVolume:any
  flocker:any gcePersistentDisk:any gitRepo:any glusterfs:any hostPath:HostPathVolumeSource
  image:ImageVolumeSource iscsi:any nfs:NFSVolumeSource
  persistentVolumeClaim:PersistentVolumeClaimVolumeSource photonPersistentDisk:any
  portworxVolume:any projected:ProjectedVolumeSource quobyte:any rbd:any scaleIO:any
  secret:SecretVolumeSource storageos:any vsphereVolume:any
ConfigMapVolumeSource: defaultMode:i* items:[KeyToPath] name optional:b*
SecretVolumeSource: defaultMode:i* items:[KeyToPath] optional:b* secretName
KeyToPath: key="" mode:i* path=""
EmptyDirVolumeSource: medium sizeLimit:qty*
HostPathVolumeSource: path="" type:s*
PersistentVolumeClaimVolumeSource: claimName="" readOnly:b
NFSVolumeSource: path="" readOnly:b server=""
CSIVolumeSource: driver="" fsType:s* nodePublishSecretRef:LocalObjectReference readOnly:b*
  volumeAttributes:{s}
DownwardAPIVolumeSource: defaultMode:i* items:[DownwardAPIVolumeFile]
DownwardAPIVolumeFile: fieldRef:ObjectFieldSelector mode:i* path=""
  resourceFieldRef:ResourceFieldSelector
ProjectedVolumeSource: defaultMode:i* sources:[VolumeProjection]^
VolumeProjection: clusterTrustBundle:ClusterTrustBundleProjection configMap:ConfigMapProjection
  downwardAPI:DownwardAPIProjection secret:SecretProjection
  serviceAccountToken:ServiceAccountTokenProjection
ConfigMapProjection: items:[KeyToPath] name optional:b*
SecretProjection: items:[KeyToPath] name optional:b*
DownwardAPIProjection: items:[DownwardAPIVolumeFile]
ServiceAccountTokenProjection: audience expirationSeconds:i* path=""
ClusterTrustBundleProjection: labelSelector:LabelSelector name:s* optional:b* path=""
  signerName:s*
EphemeralVolumeSource: volumeClaimTemplate:PersistentVolumeClaimTemplate
PersistentVolumeClaimTemplate: metadata:ObjectMeta={} spec:PersistentVolumeClaimSpec={}
ImageVolumeSource: pullPolicy reference
PodStatus: conditions:[PodCondition/type]@m containerStatuses:[ContainerStatus]
  ephemeralContainerStatuses:[ContainerStatus] hostIP hostIPs:[HostIP/ip]@m
  initContainerStatuses:[ContainerStatus] message nominatedNodeName phase podIP
  podIPs:[PodIP/ip]@m qosClass reason resize resourceClaimStatuses:[PodResourceClaimStatus/name]@mr
  startTime:time*
PodCondition: lastProbeTime:time^ lastTransitionTime:time^ message reason status="" type=""
ContainerStatus: allocatedResources:{qty} allocatedResourcesStatus:[any] containerID image=""
  imageID="" lastState:ContainerState={} name="" ready:b=false resources:ResourceRequirements
  restartCount:i=0 started:b* state:ContainerState={} user:any
  volumeMounts:[VolumeMountStatus/mountPath]@m
ContainerState: running:ContainerStateRunning terminated:ContainerStateTerminated
  waiting:ContainerStateWaiting
ContainerStateRunning: startedAt:time^
ContainerStateTerminated: containerID exitCode:i=0 finishedAt:time^ message reason signal:i
  startedAt:time^
ContainerStateWaiting: message reason
VolumeMountStatus: mountPath="" name="" readOnly:b recursiveReadOnly:s*
HostIP: ip=""
PodIP: ip=""
PodResourceClaimStatus: name="" resourceClaimName:s*
"#;
