"""Compact CRNN for plate reading, in EasyOCR's custom ``recog_network`` form.

Self-contained (torch only): training copies this file to ``weights/kr_reader.py`` so that
``easyocr.Reader(recog_network="kr_reader", user_network_directory=weights/)`` can import ``Model``.
Input: N x 1 x 32 x W grey in [-1, 1]; output: N x W/4 x num_class logits (class 0 is the CTC blank).
"""

import torch
from torch import nn


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Model(nn.Module):
    """CNN (32 x W -> 1 x W/4) + BiLSTM + linear CTC head."""

    def __init__(self, input_channel: int = 1, output_channel: int = 128, hidden_size: int = 96,
                 num_class: int = 80) -> None:
        super().__init__()
        c = output_channel
        self.FeatureExtraction = nn.Sequential(
            _conv(input_channel, c // 8), nn.MaxPool2d(2, 2),  # 16 x W/2
            _conv(c // 8, c // 4), nn.MaxPool2d(2, 2),  # 8 x W/4
            _conv(c // 4, c // 2), _conv(c // 2, c // 2), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x W/4
            _conv(c // 2, c), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            _conv(c, c),
        )
        self.SequenceModeling = nn.LSTM(c, hidden_size, num_layers=1, bidirectional=True, batch_first=True)
        self.Prediction = nn.Linear(2 * hidden_size, num_class)

    def forward(self, input: torch.Tensor, text: torch.Tensor | None = None) -> torch.Tensor:  # noqa: A002
        f = self.FeatureExtraction(input)  # N x C x h x T
        f = f.mean(dim=2).permute(0, 2, 1)  # N x T x C
        f, _ = self.SequenceModeling(f)
        return self.Prediction(f)
