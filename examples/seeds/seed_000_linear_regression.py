"""Seed 000: training a Linear(1, 1) model with SGD and MSELoss.
(The article's program, with `import ember as torch` and a fixed seed so the
printed numbers can be compared with PyTorch's.)"""
import ember as torch
import ember.nn as nn
import ember.optim as optim

torch.manual_seed(0)


# 定义一个简单的线性模型
class LinearModel(nn.Module):
    def __init__(self):
        super(LinearModel, self).__init__()
        self.linear = nn.Linear(1, 1)  # 输入和输出维度都是1

    def forward(self, x):
        return self.linear(x)


# 创建模型实例
model = LinearModel()

# 定义损失函数和优化器
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)

# 训练数据
inputs = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
targets = torch.tensor([[2.0], [4.0], [6.0], [8.0]])

# 训练过程
for epoch in range(100):
    # 前向传播
    outputs = model(inputs)
    loss = criterion(outputs, targets)

    # 反向传播和优化
    optimizer.zero_grad()  # 清空梯度
    loss.backward()        # 计算梯度
    optimizer.step()       # 更新参数

    if (epoch + 1) % 10 == 0:
        print(f'Epoch [{epoch+1}/100], Loss: {loss.item():.4f}')

# 输出训练后的参数
print('Trained weights:', model.linear.weight.item())
print('Trained bias:', model.linear.bias.item())
