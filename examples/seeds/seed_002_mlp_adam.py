"""Seed 002: a 784-128-10 MLP, its gradients, and Adam with CrossEntropyLoss.

The article's 4.1 calls y.backward() on a (1, 10) output, which PyTorch (and
ember) reject ("grad can be implicitly created only for scalar outputs"), and
its 4.2 uses the network's output as a probability target. This keeps the
program and its intent runnable: the gradient of y.sum(), then Adam steps
towards a class target."""
import ember as torch
import ember.nn as nn
import ember.optim as optim

torch.manual_seed(0)


# 定义一个简单的神经网络
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.fc1(x)
        x = torch.relu(x)
        x = self.fc2(x)
        return x


# 创建一个网络实例
net = Net()
# 创建一个随机输入
x = torch.randn(1, 784)
# 进行前向传播
y = net(x)
# 计算梯度
y.sum().backward()
# 获取梯度
grad = net.fc1.weight.grad
print("fc1.weight.grad norm:", f"{grad.norm().item():.6f}")

# 4.2 模型优化示例
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(net.parameters(), lr=0.001)
target = torch.tensor([3])
for epoch in range(10):
    optimizer.zero_grad()
    output = net(x)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.6f}")
