"""网上咨询: questions about a service item from the public, answered by the implementing unit."""
