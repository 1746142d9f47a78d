// Autoscaled Amazon EKS for platform teams: the EKS control plane, managed and self-managed node groups, the Cluster Autoscaler or Karpenter, and node draining, as components.
package eksfleet
