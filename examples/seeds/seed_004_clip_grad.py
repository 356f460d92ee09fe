"""Seed 004: the zero_grad / backward / step cycle with gradient clipping
(clip_grad_norm_ between backward and step), on a small regression model."""
import ember as torch
import ember.nn as nn
import ember.optim as optim
import ember.utils as torch_utils  # noqa: F401

torch.manual_seed(0)

model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
inputs = torch.randn(32, 4)
targets = inputs.sum(dim=1, keepdim=True) * 3.0

max_norm = 1.0
for epoch in range(10):
    optimizer.zero_grad()
    loss_sum = criterion(model(inputs), targets)
    loss_sum.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    print(f"epoch {epoch}: loss {loss_sum.item():.4f}, grad norm before clipping {total_norm.item():.4f}")
