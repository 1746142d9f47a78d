// Autoscaled Amazon EKS for platform teams: the EKS control plane, managed and self-managed node groups, the Cluster Autoscaler and node draining, as components.
package eksfleet
